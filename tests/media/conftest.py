"""Media test helpers: fixtures from tests/fixtures/media (written from the wire-format reference)."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

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
