"""The webhook endpoint when something behind it fails: the queue refuses the task (stored and
answered 200; the minute sweep processes it), the database cannot be read or written (503, so the
tool shows the failure and nothing half-stored is left), and a chunked body over the cap."""
from __future__ import annotations

import logging
from datetime import timedelta

import peewee
import pytest

from plexportal.lib import clock
from plexportal.media.models import WebhookEvent
from tests.media.conftest import basic, raw


@pytest.fixture
def queue_down(monkeypatch):
    from plexportal.media import webhooks

    def refuse(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to redis:6379. Connection refused.")
    monkeypatch.setattr(webhooks, "process_webhook_task", refuse)


def test_a_webhook_the_queue_refuses_is_answered_200_and_processed_by_the_sweep(post_hook, queue_down, caplog):
    from plexportal.media.tasks import process_stale_webhooks_task

    caplog.set_level(logging.WARNING)
    r = post_hook("sonarr", raw("sonarr_v4_download"))
    body = r.get_json()
    assert r.status_code == 200 and body["status"] == "accepted" and body["duplicate"] is False
    assert WebhookEvent.get_by_id(body["id"]).status == "received"
    assert any("could not enqueue webhook" in rec.getMessage() for rec in caplog.records)
    clock.advance(timedelta(seconds=31))
    process_stale_webhooks_task.call_local()
    assert WebhookEvent.get_by_id(body["id"]).status == "unmatched"          # processed: no request for it yet


def test_a_replay_while_the_queue_is_down_is_still_one_event(post_hook, queue_down):
    first = post_hook("sonarr", raw("sonarr_v4_download")).get_json()
    again = post_hook("sonarr", raw("sonarr_v4_download")).get_json()
    assert again["id"] == first["id"] and again["duplicate"] is True
    assert WebhookEvent.select().count() == 1


def test_a_database_that_cannot_be_read_answers_503_and_stores_nothing(client, hook_secret, monkeypatch):
    from plexportal.media import webhooks

    def unreadable(key):
        raise peewee.OperationalError("could not connect to server: Connection refused")
    monkeypatch.setattr(webhooks.settings, "get", unreadable)
    r = client.post("/webhooks/sonarr", data=raw("sonarr_v4_download"), headers=basic(),
                    content_type="application/json")
    assert r.status_code == 503 and r.get_json() == {"error": "temporarily unavailable"}
    monkeypatch.undo()
    assert WebhookEvent.select().count() == 0


def test_a_body_that_cannot_be_stored_answers_503(post_hook, monkeypatch, caplog):
    from plexportal.media import service

    def locked(source, raw_body):
        raise peewee.OperationalError("database is locked")
    monkeypatch.setattr(service, "record_webhook", locked)
    r = post_hook("radarr", raw("sonarr_v4_download"))
    assert r.status_code == 503 and r.get_json() == {"error": "could not store the webhook"}
    monkeypatch.undo()
    assert WebhookEvent.select().count() == 0


def test_a_chunked_body_over_the_cap_is_refused_without_reading_it_all(client, hook_secret):
    import io

    from plexportal.media.parsing import MAX_BYTES

    stream = io.BytesIO(b"{" + b" " * (MAX_BYTES + 10) + b"}")
    r = client.post("/webhooks/sonarr", input_stream=stream, headers={**basic(), "Transfer-Encoding": "chunked"},
                    content_type="application/json")
    assert r.status_code == 413 and r.get_json() == {"error": "body too large"}
    assert stream.tell() <= MAX_BYTES + 1
    assert WebhookEvent.select().count() == 0
