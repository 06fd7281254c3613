"""Monitors run against the fake Sonarr/Radarr/Seerr servers and deliver to the real SMTP fixture."""
import pytest

from plexportal.media.monitors import base


@pytest.fixture
def stack(set_settings, fake_sonarr, fake_radarr, smtp_server):
    set_settings(SONARR_URL=fake_sonarr.url, SONARR_API_KEY=fake_sonarr.api_key,
                 RADARR_URL=fake_radarr.url, RADARR_API_KEY=fake_radarr.api_key,
                 SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.port), SMTP_SECURITY="none",
                 SMTP_FROM="portal@example.com", ADMIN_EMAIL="owner@example.com")
    return {"sonarr": fake_sonarr, "radarr": fake_radarr, "smtp": smtp_server}


@pytest.fixture
def quick_timeouts(monkeypatch):
    """A hung upstream answers nothing; monitors must give up quickly and try again next run."""
    monkeypatch.setattr(base, "TIMEOUT", (1.0, 0.5))
    monkeypatch.setattr(base, "RETRIES", 0)
