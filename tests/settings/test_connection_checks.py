"""Test connection: a clear success or a clear reason, within a few seconds, for every service."""
from __future__ import annotations

import socket
import time

import pytest

from plexportal.settings.models import ServiceCheck


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]           # nothing listens once the socket is closed


def _test(web, group, **values):
    r = web.post(f"/settings/test/{group}", data=values, htmx=True)
    assert r.status_code == 200
    return r.get_data(as_text=True)


def test_it_connects_to_sonarr_and_radarr(logged_in, fake_sonarr, fake_radarr):
    html = _test(logged_in, "Sonarr", SONARR_URL=fake_sonarr.url, SONARR_API_KEY="arr-key")
    assert "badge-ok" in html and "Connected to Sonarr 4.0.19.2979" in html
    assert fake_sonarr.calls_to("/api/v3/system/status")[0].headers["X-Api-Key"] == "arr-key"
    html = _test(logged_in, "Radarr", RADARR_URL=fake_radarr.url, RADARR_API_KEY="arr-key")
    assert "Connected to Radarr 5.28" in html
    assert ServiceCheck.get_by_id("Radarr").ok is True


def test_it_says_which_app_answered_when_the_url_is_the_wrong_one(logged_in, fake_radarr):
    html = _test(logged_in, "Sonarr", SONARR_URL=fake_radarr.url, SONARR_API_KEY="arr-key")
    assert "That URL is Radarr, not Sonarr" in html


def test_it_reports_a_wrong_api_key(logged_in, fake_sonarr, fake_seerr, fake_jellyfin, fake_plex):
    assert "rejected the credentials (401)" in _test(logged_in, "Sonarr", SONARR_URL=fake_sonarr.url,
                                                     SONARR_API_KEY="wrong")
    assert "rejected the credentials (403)" in _test(logged_in, "Seerr", SEERR_URL=fake_seerr.url,
                                                     SEERR_API_KEY="wrong")
    assert "rejected the credentials (401)" in _test(logged_in, "Jellyfin", JELLYFIN_URL=fake_jellyfin.url,
                                                     JELLYFIN_API_KEY="wrong")
    assert "rejected the token (401)" in _test(logged_in, "Plex", PLEX_URL=fake_plex.url, PLEX_TOKEN="wrong")
    assert ServiceCheck.get_by_id("Plex").ok is False


def test_it_connects_to_seerr_jellyfin_and_plex(logged_in, fake_seerr, fake_jellyfin, fake_plex):
    assert "Connected to Seerr 3.1.0" in _test(logged_in, "Seerr", SEERR_URL=fake_seerr.url,
                                               SEERR_API_KEY="seerr-key")
    assert "Connected to Harbour Jellyfin (Jellyfin 10.11.11)" in _test(
        logged_in, "Jellyfin", JELLYFIN_URL=fake_jellyfin.url, JELLYFIN_API_KEY="jf-key")
    assert "Connected to Harbour Server (Plex 1.41.3" in _test(logged_in, "Plex", PLEX_URL=fake_plex.url,
                                                               PLEX_TOKEN="plex-token")


@pytest.mark.parametrize("group,url_key,key_key", [("Sonarr", "SONARR_URL", "SONARR_API_KEY"),
                                                   ("Seerr", "SEERR_URL", "SEERR_API_KEY"),
                                                   ("Plex", "PLEX_URL", "PLEX_TOKEN"),
                                                   ("Jellyfin", "JELLYFIN_URL", "JELLYFIN_API_KEY")])
def test_it_reports_a_refused_connection(logged_in, group, url_key, key_key):
    html = _test(logged_in, group, **{url_key: f"http://127.0.0.1:{closed_port()}", key_key: "k"})
    assert "badge-bad" in html
    assert "refused the connection" in html


def test_it_reports_a_bad_url_without_calling_anything(logged_in):
    html = _test(logged_in, "Sonarr", SONARR_URL="sonarr:8989", SONARR_API_KEY="k")
    assert "Sonarr URL: Start the address with http:// or https://." in html
    html = _test(logged_in, "Seerr", SEERR_URL="", SEERR_API_KEY="k")
    assert "Seerr is not configured (no URL)" in html


def test_it_reports_a_server_error_without_echoing_its_body(logged_in, fake_sonarr):
    fake_sonarr.fail_next(500, body="Traceback: secret internals", path="/api/v3/system/status")
    html = _test(logged_in, "Sonarr", SONARR_URL=fake_sonarr.url, SONARR_API_KEY="arr-key")
    assert "had an internal error (500)" in html
    assert "secret internals" not in html


def test_it_reports_something_that_is_not_the_service(logged_in, fake_jellyfin):
    html = _test(logged_in, "Sonarr", SONARR_URL=fake_jellyfin.url + "/System/Info/Public#", SONARR_API_KEY="k")
    assert "badge-bad" in html


def test_it_gives_up_on_a_service_that_does_not_answer_in_time(logged_in, fake_sonarr):
    fake_sonarr.fail_next(0, delay=12, path="/api/v3/system/status")     # slower than the check allows
    started = time.monotonic()
    html = _test(logged_in, "Sonarr", SONARR_URL=fake_sonarr.url, SONARR_API_KEY="arr-key")
    assert "did not answer in time" in html
    assert time.monotonic() - started < 9           # bounded by the check timeout, not the slow server


def test_it_uses_the_stored_key_when_the_field_is_left_blank(logged_in, set_settings, fake_sonarr):
    set_settings(SONARR_URL=fake_sonarr.url, SONARR_API_KEY="arr-key")
    html = _test(logged_in, "Sonarr", SONARR_URL=fake_sonarr.url, SONARR_API_KEY="")
    assert "Connected to Sonarr" in html


def test_it_connects_to_the_smtp_server(logged_in, smtp_server):
    html = _test(logged_in, "Email", SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.port), SMTP_SECURITY="none",
                 SMTP_FROM="portal@example.com")
    assert f"Connected to 127.0.0.1:{smtp_server.port}" in html


def test_it_explains_smtp_failures(logged_in, smtp_server):
    html = _test(logged_in, "Email", SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.port),
                 SMTP_SECURITY="starttls")
    assert "does not support that security mode" in html
    html = _test(logged_in, "Email", SMTP_HOST="127.0.0.1", SMTP_PORT=str(closed_port()), SMTP_SECURITY="none")
    assert "refused the connection" in html
    html = _test(logged_in, "Email", SMTP_HOST="127.0.0.1", SMTP_PORT="0", SMTP_SECURITY="none")
    assert "SMTP port: Must be at least 1." in html


def test_it_gives_up_on_an_smtp_server_that_never_greets(logged_in):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)                                  # accepts the TCP connection, never says 220
    try:
        html = _test(logged_in, "Email", SMTP_HOST="127.0.0.1", SMTP_PORT=str(silent.getsockname()[1]),
                     SMTP_SECURITY="none")
    finally:
        silent.close()
    assert "did not answer in time" in html
