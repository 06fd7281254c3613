"""Helpers for plexportal's own backups: a database with a bit of everything, and a way to read
every row of every table back for comparison."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

SONARR_KEY = "sonarr-api-key-0123456789abcdef"
PLEX_TOKEN = "plex-owner-token-zyxwvu987"


@pytest.fixture
def filled(db, admin, set_settings, make_user):
    """Rows in many tables with every kind of column: text with accents, booleans, JSON, big
    integers, dates, datetimes, foreign keys and encrypted secrets."""
    from plexportal.backups.models import BackupRun
    from plexportal.invites import service as invites
    from plexportal.media import service as media
    from plexportal.notify import service as notify

    set_settings(SONARR_URL="http://sonarr:8989", SONARR_API_KEY=SONARR_KEY, PLEX_TOKEN=PLEX_TOKEN,
                 SERVER_NAME="Hafen Server – Zuhause", ADMIN_EMAIL="owner@example.com")
    friend = make_user("zoë", email="zoe@example.com")
    for i in range(3):
        media.record_webhook("sonarr", f'{{"eventType": "Test", "n": {i}, "title": "Ça va"}}'.encode())
    notify.queue_email("zoe@example.com", "Ready to watch: Ça", "text body", "<p>html</p>", user=friend,
                       payload={"ids": {"tmdb": 42}, "items": [{"season": 1, "episode": 2}]}, kick=False)
    invites.create_invite({"label": "Family", "max_uses": 5, "libraries": [1, 2], "allow_sync": True})
    start = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
    for d in range(5):
        BackupRun.create(key=f"log:{d}", source="log", day=date(2026, 3, 1) + timedelta(days=d),
                         started_at=start + timedelta(days=d), finished_at=start + timedelta(days=d, minutes=7),
                         duration_seconds=420, status="success", total_size_bytes=8_123_456_789_012 + d,
                         excerpt="sent 1,234 bytes\nreceived 5 bytes")
    return friend


def all_rows() -> dict[str, list[dict]]:
    """Every row of every model, as the models read them (backend-neutral values)."""
    from plexportal.db import all_models

    out = {}
    for model in all_models():
        if model._meta.table_name in ("log_record", "job_state", "self_backup"):
            continue
        pk = model._meta.primary_key
        out[model._meta.table_name] = list(model.select().order_by(pk).dicts())
    return out
