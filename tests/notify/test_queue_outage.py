"""Messages when the task queue is down (Redis gone, the SQLite queue file locked): stored anyway,
sent by the minute sweep once it runs, never lost and never twice; and a person's test message to
an address they do not have."""
from __future__ import annotations

import logging

import pytest

from plexportal.notify import send, service
from plexportal.notify.models import Notification
from tests.conftest import Browserless


@pytest.fixture
def queue_down(monkeypatch):
    from plexportal.notify import tasks

    class Down:
        def __call__(self, *args, **kwargs):
            raise ConnectionError("Error 111 connecting to redis:6379. Connection refused.")

        schedule = __call__

    monkeypatch.setattr(tasks, "send_notifications_task", Down())


@pytest.fixture
def mail(set_settings, smtp_server):
    set_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.port), SMTP_SECURITY="none",
                 SMTP_FROM="portal@example.com", ADMIN_EMAIL="owner@example.com")
    return smtp_server


def test_an_email_queued_while_the_queue_is_down_goes_out_with_the_sweep(db, mail, queue_down, caplog):
    caplog.set_level(logging.WARNING)
    row = service.queue_email("friend@example.com", "Ready to watch", "text")
    assert Notification.get_by_id(row.id).status == "pending"
    assert any("could not enqueue send" in r.getMessage() for r in caplog.records)
    assert send.send_due()["sent"] == 1
    assert [m["To"] for m in mail.wait_for(1)] == ["friend@example.com"]
    assert send.send_due()["sent"] == 0
    assert Notification.get_by_id(row.id).status == "sent"


def test_a_batch_whose_send_could_not_be_scheduled_is_still_sent_when_due(db, mail, queue_down, make_user, caplog):
    from datetime import timedelta

    from plexportal.lib import clock

    caplog.set_level(logging.WARNING)
    ana = make_user("ana")
    [row] = service.notify_user(ana, "media.ready", "tv:1", {"season": 1, "episode": 1},
                                payload={"title": "The Example Show", "media_type": "tv"})
    assert row.status == "collecting"
    clock.advance(timedelta(hours=2))
    assert send.send_due()["sent"] == 1                # no Plex configured: nothing to wait for
    assert Notification.get_by_id(row.id).status == "sent"
    assert [m["To"] for m in mail.wait_for(1)] == ["ana@example.com"]


def test_admin_alerts_are_stored_once_even_when_the_queue_is_down(db, mail, queue_down):
    service.queue_admin_alert("Backup failed", "details", dedup_key="backup:1")
    service.queue_admin_alert("Backup failed", "details", dedup_key="backup:1")
    assert Notification.select().count() == 1
    send.send_due()
    assert len(mail.wait_for(1)) == 1


def test_a_test_message_to_an_account_without_email_says_so(client, make_user):
    from plexportal.notify import links

    nobody = make_user("no-mail", email="")
    web = Browserless(client)
    path = "/notify/u/" + links.make_token(nobody)
    web.get(path)
    r = web.post(path + "/test", data={"target": "email"}, htmx=True)
    assert r.status_code == 200 and "There is no email address on this account." in r.get_data(as_text=True)
    assert Notification.select().count() == 0
