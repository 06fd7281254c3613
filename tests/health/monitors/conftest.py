"""Monitors run against the fake Sonarr/Radarr/Seerr servers and deliver to the real SMTP fixture."""
import pytest

from plexportal.health.monitors import base
from tests.media.conftest import hook_secret, hooks  # noqa: F401 - the media area's webhook fixtures


@pytest.fixture
def stack(set_settings, fake_sonarr, fake_radarr, smtp_server):
    set_settings(SONARR_URL=fake_sonarr.url, SONARR_API_KEY=fake_sonarr.api_key,
                 RADARR_URL=fake_radarr.url, RADARR_API_KEY=fake_radarr.api_key,
                 SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.port), SMTP_SECURITY="none",
                 SMTP_FROM="portal@example.com", ADMIN_EMAIL="owner@example.com",
                 IMPORT_FIX_MODE="fix", STUCK_FIX_MODE="auto")  # the acting paths; report mode (the default) has its own tests
    return {"sonarr": fake_sonarr, "radarr": fake_radarr, "smtp": smtp_server}


@pytest.fixture
def quick_timeouts(monkeypatch):
    """A hung upstream answers nothing; monitors must give up quickly and try again next run."""
    from plexportal.media import calendar

    for module in (base, calendar):
        monkeypatch.setattr(module, "TIMEOUT", (1.0, 0.5))
        monkeypatch.setattr(module, "RETRIES", 0)


@pytest.fixture
def seerr(set_settings):
    from tests.fakes.seerr_issues import FakeSeerrIssues

    fake = FakeSeerrIssues().start()
    set_settings(SEERR_URL=fake.url, SEERR_API_KEY=fake.api_key)
    yield fake
    fake.stop()


@pytest.fixture
def deliver(db):
    """Hand a webhook body to the subscribers as the media area does after processing it."""
    import json
    from types import SimpleNamespace

    from plexportal.media import events
    from plexportal.media.models import WebhookEvent

    counter = iter(range(1, 10**6))

    def send(source: str, body: dict, event_type: str | None = None):
        event_type = event_type or body.get("eventType") or body.get("notification_type") or ""
        event = WebhookEvent.create(source=source, dedup_key=f"test-{next(counter)}", body=json.dumps(body),
                                    event_type=event_type, status="processed")
        assert events.publish(event, SimpleNamespace(event_type=event_type)) == 0
        return event
    return send


@pytest.fixture
def logged_in_admin(logged_in):
    from flask import g

    g.pop("csrf_token", None)          # see tests/conftest.py: admin_web
    logged_in.get("/")
    return logged_in
