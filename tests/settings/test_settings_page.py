"""The settings page: grouped, env-locked, validated as a whole, secrets encrypted and masked."""
from __future__ import annotations

import logging

from plexportal.admin.models import AuditEntry
from plexportal.settings import service
from plexportal.settings.models import Setting

KEY = "sonarr-api-key-0123456789abcdef"


def _save(web, group, **values):
    return web.post(f"/settings/group/{group}", data=values, htmx=True)


def test_it_groups_settings_by_area(logged_in):
    html = logged_in.get("/settings/").get_data(as_text=True)
    for group in ("General", "Security", "Seerr", "Sonarr", "Radarr", "Plex", "Jellyfin", "Email"):
        assert f"<h2>{group}</h2>" in html
    assert html.index("<h2>General</h2>") < html.index("<h2>Sonarr</h2>")


def test_it_saves_a_group_and_says_so(logged_in):
    r = _save(logged_in, "General", SERVER_NAME="Harbour Server", BASE_URL="https://portal.example.com/",
              TIMEZONE="Europe/London", ADMIN_EMAIL="owner@example.com")
    assert r.status_code == 200
    assert "General settings saved" in r.get_data(as_text=True)
    assert service.get("SERVER_NAME") == "Harbour Server"
    assert service.get("BASE_URL") == "https://portal.example.com"      # trailing slash trimmed
    assert AuditEntry.select().where(AuditEntry.action == "settings.saved").count() == 1


def test_it_shows_an_environment_override_locked_and_ignores_posts_to_it(logged_in, monkeypatch):
    monkeypatch.setenv("PLEXPORTAL_SONARR_URL", "http://sonarr.lan:8989")
    html = logged_in.get("/settings/").get_data(as_text=True)
    field = html[html.index('id="f-SONARR_URL"') - 400:html.index('id="f-SONARR_URL"') + 200]
    assert "locked" in field and "readonly" in field and "http://sonarr.lan:8989" in field
    r = _save(logged_in, "Sonarr", SONARR_URL="http://attacker.example:1", SONARR_API_KEY=KEY)
    assert r.status_code == 200
    assert service.get("SONARR_URL") == "http://sonarr.lan:8989"
    assert Setting.get_or_none(Setting.key == "SONARR_URL") is None
    assert service.get("SONARR_API_KEY") == KEY                      # the rest of the group saved


def test_it_refuses_to_set_a_locked_value_from_code(db, monkeypatch):
    import pytest

    monkeypatch.setenv("PLEXPORTAL_SONARR_URL", "http://sonarr.lan:8989")
    with pytest.raises(service.SettingsInvalid, match="PLEXPORTAL_SONARR_URL"):
        service.set_many({"SONARR_URL": "http://other:1"})


def test_it_stores_secrets_encrypted(logged_in):
    _save(logged_in, "Sonarr", SONARR_URL="http://sonarr:8989", SONARR_API_KEY=KEY)
    raw = Setting.get_by_id("SONARR_API_KEY").value
    assert KEY not in raw
    assert raw.startswith("gAAAA")                                    # a Fernet token
    assert service.get("SONARR_API_KEY") == KEY


def test_it_never_shows_a_stored_secret_in_full(logged_in):
    _save(logged_in, "Sonarr", SONARR_URL="http://sonarr:8989", SONARR_API_KEY=KEY)
    html = logged_in.get("/settings/").get_data(as_text=True)
    assert KEY not in html
    assert KEY[:-4] not in html
    assert "••••••••cdef" in html                                     # only the last four, to recognise it


def test_it_keeps_the_stored_secret_when_the_field_is_left_blank(logged_in):
    _save(logged_in, "Sonarr", SONARR_URL="http://sonarr:8989", SONARR_API_KEY=KEY)
    # Same scheme, host and port (a URL base added): the key stays. Another host: see
    # tests/security/test_secret_binding.py.
    r = _save(logged_in, "Sonarr", SONARR_URL="http://sonarr:8989/sonarr", SONARR_API_KEY="")
    assert r.status_code == 200
    assert service.get("SONARR_API_KEY") == KEY
    assert service.get("SONARR_URL") == "http://sonarr:8989/sonarr"


def test_it_rejects_bad_values_with_messages_next_to_the_fields_and_saves_nothing(logged_in):
    _save(logged_in, "General", SERVER_NAME="Before")
    r = _save(logged_in, "General", SERVER_NAME="After", BASE_URL="ftp://portal.example.com",
              TIMEZONE="Mars/Olympus_Mons", ADMIN_EMAIL="not-an-address")
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert 'id="e-BASE_URL"' in html and "http:// or https://" in html
    assert "Unknown time zone" in html
    assert "Enter an email address" in html
    assert 'value="After"' in html and 'value="ftp://portal.example.com"' in html   # typed values kept
    assert "Not saved" in html
    assert service.get("SERVER_NAME") == "Before"


def test_it_rejects_bad_ports_cidrs_and_urls_without_a_server_error(logged_in):
    cases = [
        ("Email", {"SMTP_HOST": "smtp.example.com", "SMTP_PORT": "70000"}, "at most 65535"),
        ("Email", {"SMTP_HOST": "smtp.example.com", "SMTP_PORT": "twenty"}, "whole number"),
        ("Email", {"SMTP_HOST": "smtp.example.com", "SMTP_PORT": "587", "SMTP_SECURITY": "ssl3"}, "Pick one of"),
        ("Security", {"SESSION_LIFETIME_MINUTES": "60", "LOCAL_BYPASS_CIDRS": "192.168.1.0/33"}, "not an IP network"),
        ("Security", {"SESSION_LIFETIME_MINUTES": "1"}, "at least 5"),
        ("Sonarr", {"SONARR_URL": "http://sonarr:99999"}, "port"),
        ("Sonarr", {"SONARR_URL": "http://[::1"}, "not a valid URL"),
        ("Sonarr", {"SONARR_URL": "sonarr:8989"}, "http:// or https://"),
        ("Sonarr", {"SONARR_URL": "http://"}, "host name"),
        ("General", {"SERVER_NAME": "bad\x00name"}, "control characters"),
        ("General", {"SERVER_NAME": "x" * 5000}, "Too long"),
    ]
    for group, values, message in cases:
        r = _save(logged_in, group, **values)
        assert r.status_code == 422, (values, r.status_code)
        assert message in r.get_data(as_text=True), (values, message)
    assert Setting.select().count() == 0


def test_it_stores_a_cidr_list_normalised(logged_in):
    r = _save(logged_in, "Security", SESSION_LIFETIME_MINUTES="60",
              LOCAL_BYPASS_CIDRS="192.168.1.7/24\n10.0.0.0/8")
    assert r.status_code == 200
    assert service.get("LOCAL_BYPASS_CIDRS") == "192.168.1.0/24, 10.0.0.0/8"


def test_it_keeps_secrets_out_of_the_logs(logged_in, caplog, fake_sonarr):
    caplog.set_level(logging.DEBUG)
    _save(logged_in, "Sonarr", SONARR_URL=fake_sonarr.url, SONARR_API_KEY=KEY)
    logged_in.post("/settings/test/Sonarr", data={"SONARR_URL": fake_sonarr.url, "SONARR_API_KEY": KEY}, htmx=True)
    assert KEY not in caplog.text


def test_it_records_settings_changes_in_the_audit_log(logged_in):
    _save(logged_in, "Sonarr", SONARR_URL="http://sonarr:8989", SONARR_API_KEY=KEY)
    page = logged_in.get("/audit").get_data(as_text=True)
    assert "Saved Sonarr settings" in page
    assert "SONARR_API_KEY" in page and KEY not in page


def test_it_offers_to_generate_only_the_secrets_plexportal_issues(logged_in):
    html = logged_in.get("/settings/").get_data(as_text=True)
    assert 'data-generate="#f-API_KEY"' in html and 'data-generate="#f-WEBHOOK_SECRET"' in html
    assert 'data-generate="#f-SONARR_API_KEY"' not in html       # Sonarr's key comes from Sonarr
    assert "settings.js" in html
