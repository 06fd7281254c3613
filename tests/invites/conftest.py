"""Invites fixtures: the fake plex.tv (plus the fake Plex server with libraries) wired into settings."""
from __future__ import annotations

import pytest
import requests

from tests.fakes.plextv import ADMIN_TOKEN, FakePlexTV, FakePlexWithLibraries


@pytest.fixture
def fake_plextv():
    fake = FakePlexTV().start()
    fake.add_account(42, "friend", "friend@example.com", "friend-token")
    yield fake
    fake.stop()


@pytest.fixture
def fake_pms():
    fake = FakePlexWithLibraries(token=ADMIN_TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture
def plex(set_settings, fake_plextv, fake_pms):
    """Settings pointing at both fakes; returns the plex.tv fake."""
    set_settings(PLEX_URL=fake_pms.url, PLEX_TOKEN=ADMIN_TOKEN, PLEX_TV_URL=fake_plextv.url,
                 PLEX_CLIENTS_URL=fake_plextv.url, PLEX_APP_URL=fake_plextv.url, ADMIN_EMAIL="owner@example.com",
                 SERVER_NAME="Harbour Server", ACCESS_EXPIRY_MODE="auto")   # report mode has its own tests
    return fake_plextv


@pytest.fixture
def mail(set_settings, smtp_server):
    set_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.port), SMTP_SECURITY="none",
                 SMTP_FROM="portal@example.com")
    return smtp_server


def browser_pin(fake: FakePlexTV, client_id: str) -> dict:
    """What static/invites.js does: create a strong pin at plex.tv with JSON Accept."""
    r = requests.post(f"{fake.url}/api/v2/pins?strong=true", timeout=5,
                      headers={"Accept": "application/json", "X-Plex-Client-Identifier": client_id,
                               "X-Plex-Product": "plexportal"})
    assert r.status_code == 201, r.text
    return r.json()
