"""What the health area does with webhooks the media area hands on: bodies of any shape are
ignored without failing the event, a ManualInteractionRequired runs import-fix for exactly that
download at once, and a busy monitor or a maintenance window leaves it to the next run."""
from __future__ import annotations

import json
import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest

from plexportal.auth.models import User
from plexportal.health import maintenance, service
from plexportal.health.models import IssueFix, MonitorRun, MonitorState
from plexportal.lib import clock
from plexportal.media import events
from plexportal.media.models import WebhookEvent


def publish(source, raw: str, event_type: str) -> int:
    event = WebhookEvent.create(source=source, dedup_key=f"k-{WebhookEvent.select().count()}", body=raw,
                                event_type=event_type, status="processed")
    return events.publish(event, SimpleNamespace(event_type=event_type))


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", "null", '{"notification_type": 5}',
                                 '{"notification_type": "ISSUE_CREATED"}', '{"notification_type": "MEDIA_PENDING"}'])
def test_seerr_bodies_of_any_shape_fail_nothing(db, raw):
    assert publish("seerr", raw, "ISSUE_CREATED") == 0
    assert IssueFix.select().count() == 0


@pytest.mark.parametrize("raw", ["not json", "{}", '{"downloadId": ""}', '{"downloadId": null}', '{"downloadId": ["x"]}'])
def test_a_manual_interaction_without_a_download_id_runs_nothing(db, raw):
    assert publish("sonarr", raw, "ManualInteractionRequired") == 0
    assert MonitorRun.select().count() == 0


def test_a_manual_interaction_runs_import_fix_for_that_download_at_once(db, set_settings, fake_sonarr):
    set_settings(SONARR_URL=fake_sonarr.url, SONARR_API_KEY=fake_sonarr.api_key)
    body = {"eventType": "ManualInteractionRequired", "downloadId": "ABC123"}
    assert publish("sonarr", json.dumps(body), "ManualInteractionRequired") == 0
    [run] = MonitorRun.select()
    assert (run.monitor, run.trigger, run.status) == ("import-fix", "webhook", "ok")


def test_a_busy_import_fix_leaves_the_webhook_to_its_next_run(db, caplog):
    caplog.set_level(logging.INFO)
    service.state("import-fix")
    MonitorState.update(running_since=clock.now()).where(MonitorState.name == "import-fix").execute()
    assert publish("radarr", json.dumps({"downloadId": "ABC"}), "ManualInteractionRequired") == 0
    assert MonitorRun.select().count() == 0
    assert "the next run handles it" in caplog.text


def test_during_maintenance_the_webhook_waits_too(db, caplog):
    caplog.set_level(logging.INFO)
    User.create(username="alice", email="alice@example.com")  # someone to tell
    maintenance.create_window(clock.now() - timedelta(minutes=20), clock.now() + timedelta(hours=1), "")
    assert publish("sonarr", json.dumps({"downloadId": "ABC"}), "ManualInteractionRequired") == 0
    assert MonitorRun.select().count() == 0 and "maintenance" in caplog.text


@pytest.mark.parametrize("event_type", ["Download", "Grab"])
@pytest.mark.parametrize("raw", ["not json", "[]", '{"episodes": "x", "movie": 5}'])
def test_downloads_and_grabs_of_any_shape_fail_nothing(db, event_type, raw):
    assert publish("sonarr", raw, event_type) == 0
    assert publish("radarr", raw, event_type) == 0
