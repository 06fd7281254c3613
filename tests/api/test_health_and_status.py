"""/healthz (no auth) and /api/v1/status (X-Api-Key)."""
from __future__ import annotations

import json

import pytest

from plexportal import __version__
from plexportal.settings import checks

API_KEY = "api-key-for-dashboards-0123456789"


def test_it_reports_healthy(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.get_json() == {"status": "ok", "database": "ok", "queue": "ok"}


def test_it_answers_503_when_the_queue_is_unreachable(app_factory):
    app = app_factory(fields={"redis_url": "redis://127.0.0.1:1/0", "huey_immediate": False})
    r = app.test_client().get("/healthz")
    assert r.status_code == 503
    body = r.get_json()
    assert body["status"] == "unavailable"
    assert body["queue"] == "unavailable"
    assert body["database"] == "ok"


def test_it_answers_503_when_the_database_is_unreachable(tmp_path):
    from plexportal import create_app
    from tests.conftest import make_config

    cfg = make_config(tmp_path)
    cfg.database_url = "postgresql://postgres@127.0.0.1:1/test"      # nothing listens on port 1
    app = create_app(cfg)
    r = app.test_client().get("/healthz")
    assert r.status_code == 503
    body = r.get_json()
    assert body["database"] == "unavailable"
    assert "password" not in json.dumps(body) and "127.0.0.1" not in json.dumps(body)
    page = app.test_client().get("/auth/login")          # pages say so plainly, no traceback
    assert page.status_code == 503
    assert "cannot be reached" in page.get_data(as_text=True)


@pytest.mark.sqlite_only
def test_it_says_a_fresh_database_needs_migrating(tmp_path):
    from plexportal import create_app
    from tests.conftest import make_config

    app = create_app(make_config(tmp_path))
    client = app.test_client()
    r = client.get("/healthz")
    assert r.status_code == 503
    assert r.get_json()["database"].startswith("needs migration")
    page = client.get("/")
    assert page.status_code == 503
    assert "flask --app wsgi db upgrade" in page.get_data(as_text=True)


def test_it_refuses_the_api_without_the_right_key(client, set_settings):
    assert client.get("/api/v1/status").status_code == 401        # no key configured: API off
    set_settings(API_KEY=API_KEY)
    assert client.get("/api/v1/status").status_code == 401
    r = client.get("/api/v1/status", headers={"X-Api-Key": "wrong"})
    assert r.status_code == 401
    assert r.get_json() == {"error": "missing or wrong X-Api-Key"}
    assert client.get("/api/v1/status", headers={"X-Api-Key": API_KEY}).status_code == 200


def test_it_reports_version_database_queue_and_each_service(client, set_settings, fake_sonarr):
    set_settings(API_KEY=API_KEY, SONARR_URL=fake_sonarr.url, SONARR_API_KEY="arr-key",
                 RADARR_URL="http://127.0.0.1:1", RADARR_API_KEY="radarr-secret-value",
                 SEERR_URL="http://127.0.0.1:2")
    for group in ("Sonarr", "Radarr"):
        checks.record(group, checks.run(group, {}, __import__("plexportal.settings.service").settings.service.get))
    r = client.get("/api/v1/status", headers={"X-Api-Key": API_KEY})
    body = r.get_json()
    assert body["version"] == __version__
    assert body["database"] == "ok" and body["queue"] == "ok"
    assert body["services"]["Sonarr"]["ok"] is True
    assert "Connected to Sonarr" in body["services"]["Sonarr"]["message"]
    assert body["services"]["Radarr"]["ok"] is False
    assert "refused" in body["services"]["Radarr"]["message"]
    assert body["services"]["Seerr"] == {"ok": None, "message": "not checked yet", "checked_at": None}
    assert "Plex" not in body["services"]                      # not configured, not listed
    text = r.get_data(as_text=True)
    for secret in (API_KEY, "arr-key", "radarr-secret-value"):
        assert secret not in text


def test_it_needs_no_session_or_csrf_for_the_api(client, set_settings, admin):
    set_settings(API_KEY=API_KEY)
    r = client.get("/api/v1/status", headers={"X-Api-Key": API_KEY})
    assert r.status_code == 200
    assert "Set-Cookie" not in r.headers
