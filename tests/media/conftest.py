"""Media test helpers: fixtures from tests/fixtures/media (written from the wire-format reference)."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from plexportal.media.models import WebhookEvent

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "media"
WEBHOOK_SECRET = "hook-secret-123"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def raw(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def basic(secret: str = WEBHOOK_SECRET, user: str = "sonarr") -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()}


@pytest.fixture
def hook_secret(set_settings):
    set_settings(WEBHOOK_SECRET=WEBHOOK_SECRET)
    return WEBHOOK_SECRET


@pytest.fixture
def post_hook(client, hook_secret):
    def post(source: str, body, headers=None, **kw):
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return client.post(f"/webhooks/{source}", data=data, headers=headers if headers is not None else basic(),
                           content_type="application/json", **kw)
    return post


@pytest.fixture
def hooks(db, hook_secret):
    """Feed webhooks straight through record + process (what the endpoint and the worker do)."""
    from plexportal.media import service

    def feed(source: str, body) -> WebhookEvent:
        data = body if isinstance(body, bytes) else (raw(body) if isinstance(body, str) else json.dumps(body).encode())
        recorded = service.record_webhook(source, data)
        service.process_event(recorded.event_id)
        return WebhookEvent.get_by_id(recorded.event_id)
    return feed


def ready_items(user=None) -> list[tuple[int, int]]:
    """(season, episode) items waiting in media.ready messages, per the outbox rows."""
    from plexportal.notify.models import Notification

    q = Notification.select().where(Notification.kind == "media.ready")
    if user is not None:
        q = q.where(Notification.user == user)
    out = []
    for n in q:
        out += [(i["season"], i["episode"]) for i in (n.payload or {}).get("items") or []]
    return sorted(out)
