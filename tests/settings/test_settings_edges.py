"""The settings page and store around the edges (host-only settings themselves are in
tests/security/test_programs.py): unknown groups, a secret no key can
read, values stored before validation, who may reach the pages, and the wizard's last page."""
from __future__ import annotations

import logging

import pytest

from plexportal.settings import service
from plexportal.settings.models import ServiceCheck, Setting

KEY = "sonarr-api-key-0123456789abcdef"


def save(web, group, **values):
    return web.post(f"/settings/group/{group}", data=values, htmx=True)


def backups_form(**values) -> dict:
    """The Backups group as the page posts it: every field with its current value."""
    from plexportal.settings.registry import groups

    form = {d.key: service.get(d.key) for d in groups()["Backups"] if d.kind != "bool" and not d.host_only}
    return {**form, **values}


def test_an_unknown_group_is_not_found_and_nothing_is_stored(logged_in):
    assert save(logged_in, "Martians", SERVER_NAME="x").status_code == 404
    assert logged_in.post("/settings/test/Martians", data={}, htmx=True).status_code == 404
    assert logged_in.get("/settings/setup/Martians").status_code == 404
    assert Setting.select().count() == 0


def test_a_host_only_value_the_host_set_is_shown_and_an_unchanged_post_is_fine(logged_in, monkeypatch):
    monkeypatch.setenv("PLEXPORTAL_BACKUP_SCRIPT_PATH", "/usr/local/bin/plex-backup.sh")
    page = logged_in.get("/settings/").get_data(as_text=True)
    assert 'value="/usr/local/bin/plex-backup.sh"' in page
    r = save(logged_in, "Backups", **backups_form(BACKUP_SCRIPT_PATH="/usr/local/bin/plex-backup.sh",
                                                  BACKUP_GRACE="30"))
    assert r.status_code == 200 and service.get("BACKUP_GRACE") == "30"
    assert not Setting.select().where(Setting.key == "BACKUP_SCRIPT_PATH").exists()


def test_one_host_only_value_among_others_stores_none_of_them(db):
    with pytest.raises(service.SettingsInvalid) as err:
        service.set_many({"CRON_USER": "root", "SERVER_NAME": "Home"})
    assert set(err.value.errors) == {"CRON_USER"}
    assert service.get("SERVER_NAME") != "Home"          # one bad value: nothing stored


def test_a_secret_no_key_can_read_counts_as_unset_and_is_reported_once(logged_in, caplog):
    caplog.set_level(logging.WARNING)
    service.set_many({"SONARR_URL": "http://sonarr:8989"})
    Setting.create(key="SONARR_API_KEY", value="gAAAAAB-encrypted-with-some-other-key", bound_to=None)
    service.invalidate()
    assert service.get("SONARR_API_KEY") == "" and not service.is_set("SONARR_API_KEY")
    service.invalidate()
    service.get("SONARR_API_KEY")
    warnings = [r for r in caplog.records if "SONARR_API_KEY cannot be decrypted" in r.getMessage()]
    assert len(warnings) <= 1
    page = logged_in.get("/settings/").get_data(as_text=True)
    assert "gAAAAAB-encrypted" not in page
    # Entering it again replaces the unreadable value.
    save(logged_in, "Sonarr", SONARR_URL="http://sonarr:8989", SONARR_API_KEY=KEY)
    assert service.get("SONARR_API_KEY") == KEY


def test_a_number_stored_badly_falls_back_to_its_default(db):
    Setting.create(key="WEEKLY_SUMMARY_HOUR", value="nine")
    Setting.create(key="BACKUP_GRACE", value="")
    service.invalidate()
    assert service.get_int("WEEKLY_SUMMARY_HOUR") == 9
    assert service.get_int("BACKUP_GRACE") == 60


def test_where_a_value_comes_from(db, monkeypatch):
    assert service.source("SERVER_NAME") == "default"
    service.set_value("SERVER_NAME", "Home")
    assert service.source("SERVER_NAME") == "database" and service.get("SERVER_NAME") == "Home"
    monkeypatch.setenv("PLEXPORTAL_SERVER_NAME", "From env")
    assert service.source("SERVER_NAME") == "env" and service.get("SERVER_NAME") == "From env"
    with pytest.raises(service.InvalidSetting, match="Locked by the environment variable PLEXPORTAL_SERVER_NAME"):
        service.set_value("SERVER_NAME", "Other")


def test_unknown_keys_are_a_programming_error_not_a_silent_default(db):
    with pytest.raises(KeyError, match="unknown setting NOPE"):
        service.get("NOPE")
    with pytest.raises(KeyError):
        service.set_many({"NOPE": "1"})


def test_a_generated_value_is_made_once(db):
    made = []

    def make():
        made.append(1)
        return f"generated-{len(made)}"
    assert service.get_or_create("PLEX_CLIENT_ID", make) == "generated-1"
    assert service.get_or_create("PLEX_CLIENT_ID", make) == "generated-1"
    assert made == [1]


def test_bool_settings_read_many_spellings(db):
    for typed, stored in (("on", "true"), ("YES", "true"), ("1", "true"), ("y", "true"), ("", "false"),
                          ("off", "false"), ("nonsense", "false")):
        assert service.set_value("METRICS_ENABLED", typed) == stored
        assert service.get_bool("METRICS_ENABLED") is (stored == "true")


def test_people_who_are_not_signed_in_admins_never_reach_the_settings(web, admin, make_user):
    for path in ("/settings/", "/settings/setup/Sonarr", "/settings/setup/done"):
        r = web.get(path)
        assert r.status_code == 302 and "/auth/login" in r.headers["Location"], path
    r = web.post("/settings/group/General", data={"SERVER_NAME": "Taken over"})
    assert r.status_code in (302, 400, 401, 403)
    r = web.post("/settings/test/Sonarr", data={"SONARR_URL": "http://127.0.0.1:9"})
    assert r.status_code in (302, 400, 401, 403)
    assert service.get("SERVER_NAME") != "Taken over" and ServiceCheck.select().count() == 0


def test_the_last_wizard_page_says_what_each_service_came_to(logged_in):
    service.set_many({"SONARR_URL": "http://sonarr:8989", "RADARR_URL": "http://radarr:7878",
                      "SMTP_HOST": "mail.example.com"})
    ServiceCheck.create(service="Sonarr", ok=True, message="Sonarr 4.0.19 answered")
    ServiceCheck.create(service="Radarr", ok=False, message="Radarr refused the API key")
    ServiceCheck.create(service="Plex", ok=True, message="stale check of a service no longer set")
    html = logged_in.get("/settings/setup/done").get_data(as_text=True)
    assert html.count(">connected<") == 1 and "Sonarr 4.0.19 answered" in html
    assert html.count(">failed<") == 1 and "Radarr refused the API key" in html
    assert html.count(">saved<") == 1 and "not tested yet" in html            # Email
    # Seerr, Plex, Jellyfin, and the server name, address and webhook steps left as they were
    assert html.count(">skipped<") == 6 and "stale check" not in html


def test_a_wizard_step_that_fails_keeps_the_wizard_around_it(logged_in):
    r = logged_in.post("/settings/setup/Sonarr", data={"SONARR_URL": "sonarr:8989"}, htmx=True)
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "http:// or https://" in html and "HX-Redirect" not in r.headers
    assert 'value="sonarr:8989"' in html
    r = logged_in.post("/settings/setup/Email", data={"SMTP_HOST": "", "SMTP_PORT": "587"}, htmx=True)
    assert r.status_code == 200 and r.headers["HX-Redirect"] == "/settings/setup/Server"   # the next step


def test_a_secret_is_never_stored_in_clear_before_the_secrets_are_configured(db, monkeypatch):
    monkeypatch.setattr(service, "_box", None)
    with pytest.raises(service.SecretsNotConfigured, match="secrets are not configured"):
        service.set_value("BACKUP_PING_TOKEN", "a-token-of-thirty-two-characters")
    assert Setting.get_or_none(Setting.key == "BACKUP_PING_TOKEN") is None
