"""The quarter-hourly connection checks: every configured service re-tested with what is stored,
results kept per service (a service that goes down is shown down at the next round), services not
configured left alone, and groups without a test saying so."""
from __future__ import annotations

import socket

from plexportal.settings import checks, service
from plexportal.settings.models import ServiceCheck
from plexportal.settings.tasks import check_services_task


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def results() -> dict[str, tuple[bool, str]]:
    return {c.service: (c.ok, c.message) for c in ServiceCheck.select()}


def test_each_configured_service_is_tested_with_what_is_stored(db, set_settings, fake_sonarr):
    set_settings(SONARR_URL=fake_sonarr.url, SONARR_API_KEY=fake_sonarr.api_key,
                 RADARR_URL=f"http://127.0.0.1:{closed_port()}", RADARR_API_KEY="radarr-key")
    check_services_task.call_local()
    found = results()
    assert set(found) == {"Sonarr", "Radarr"}                     # Seerr, Plex, Jellyfin, Email: not set up
    assert found["Sonarr"][0] is True
    assert found["Radarr"][0] is False and "refused the connection" in found["Radarr"][1]
    assert fake_sonarr.calls[-1].headers.get("X-Api-Key") == fake_sonarr.api_key


def test_a_service_that_goes_down_is_shown_down_at_the_next_round(db, set_settings, fake_sonarr):
    set_settings(SONARR_URL=fake_sonarr.url, SONARR_API_KEY=fake_sonarr.api_key)
    check_services_task.call_local()
    assert results()["Sonarr"][0] is True
    fake_sonarr.api_key = "rotated-in-sonarr"
    check_services_task.call_local()
    ok, message = results()["Sonarr"]
    assert ok is False and message and fake_sonarr.api_key not in message
    assert ServiceCheck.select().count() == 1                       # one row per service, updated


def test_a_stored_value_that_no_longer_validates_is_reported_not_raised(db, set_settings):
    from plexportal.settings.models import Setting

    set_settings(SONARR_URL="http://sonarr:8989", SONARR_API_KEY="k" * 32)
    Setting.update(value="sonarr:8989").where(Setting.key == "SONARR_URL").execute()     # stored before validation
    service.invalidate()
    check_services_task.call_local()
    ok, message = results()["Sonarr"]
    assert ok is False and message == "The Sonarr URL is not valid."


def test_a_group_without_a_test_says_so(db):
    result = checks.run("General", {}, service.get)
    assert result.ok is False and result.message == "There is nothing to test for this group."


def test_a_long_message_is_cut_to_fit(db):
    from plexportal.gateways.base import CheckResult

    checks.record("Sonarr", CheckResult(False, "x" * 1000))
    checks.record("Sonarr", CheckResult(True, "fine"))
    assert results() == {"Sonarr": (True, "fine")}
    checks.record("Radarr", CheckResult(False, "y" * 1000))
    assert len(results()["Radarr"][1]) == 300
