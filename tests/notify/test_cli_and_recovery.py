"""`notify test-email` and `notify send-due` from the command line, and the worker's start-up
recovery: what a killed worker left on the wire goes out once its lease runs out, no sooner."""
from __future__ import annotations

from datetime import timedelta

from plexportal.lib import clock
from plexportal.notify import send, service
from plexportal.notify.models import Notification
from plexportal.notify.tasks import RECOVERY_ROUNDS, recover_sends_task


def smtp(set_settings, server):
    set_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=str(server.port), SMTP_SECURITY="none",
                 SMTP_FROM="portal@example.com")


def test_test_email_without_a_mail_server_says_what_to_set(app, db):
    r = app.test_cli_runner().invoke(args=["notify", "test-email", "me@example.com"])
    assert r.exit_code == 1 and "Email is not configured: set the SMTP host in Settings → Email first." in r.output
    assert Notification.select().count() == 0


def test_test_email_to_something_that_is_not_an_address(app, db, set_settings, smtp_server):
    smtp(set_settings, smtp_server)
    r = app.test_cli_runner().invoke(args=["notify", "test-email", "not an address"])
    assert r.exit_code == 1 and "Enter an email address such as you@example.com." in r.output
    assert Notification.select().count() == 0


def test_test_email_refused_by_the_server_stays_in_the_outbox(app, db, set_settings, smtp_server):
    smtp(set_settings, smtp_server)
    smtp_server.reject_with = "451 4.3.0 mailbox temporarily unavailable"
    r = app.test_cli_runner().invoke(args=["notify", "test-email", "me@example.com"])
    assert r.exit_code == 1 and "not sent:" in r.output and "it stays in the outbox and is retried" in r.output
    assert "The SMTP server answered 451 to the message." in r.output
    row = Notification.get()
    assert f"(notification {row.id};" in r.output and row.status == "pending" and row.attempts == 1


def test_send_due_sends_what_is_due_and_says_how_many(app, db, set_settings, smtp_server):
    smtp(set_settings, smtp_server)
    service.queue_email("a@example.com", "Due now", "text", kick=False)
    service.queue_email("b@example.com", "Later", "text", kick=False, send_after=clock.now() + timedelta(hours=1))
    r = app.test_cli_runner().invoke(args=["notify", "send-due"])
    assert r.exit_code == 0 and r.output.strip() == "sent 1, failed 0, waiting 0, skipped 0"
    assert [m["To"] for m in smtp_server.wait_for(1)] == ["a@example.com"]
    assert Notification.get(Notification.subject == "Later").status == "pending"
    r = app.test_cli_runner().invoke(args=["notify", "send-due"])
    assert r.output.strip() == "sent 0, failed 0, waiting 0, skipped 0"


def left_on_the_wire(lease_minutes=5) -> Notification:
    row = service.queue_email("friend@example.com", "Ready to watch", "text", kick=False)
    now = clock.now()
    Notification.update(status="sending", claimed_at=now, claimed_by="dead-worker",
                        lease_until=now + timedelta(minutes=lease_minutes)).where(Notification.id == row.id).execute()
    return row


def scheduled_recoveries(app) -> list:
    from plexportal.queue import huey

    return [t for t in huey.instance.scheduled() if t.name.endswith("recover_sends_task")]


def test_a_message_a_killed_worker_held_goes_out_once_its_lease_runs_out(app, db, set_settings, smtp_server):
    smtp(set_settings, smtp_server)
    row = left_on_the_wire()
    counts = recover_sends_task.call_local()
    assert counts["sent"] == 0 and Notification.get_by_id(row.id).status == "sending"
    [again] = scheduled_recoveries(app)
    assert again.args == (1,)
    assert abs((again.eta.replace(tzinfo=None) - (row.created_at + timedelta(minutes=5)).replace(tzinfo=None))
               .total_seconds()) < 120
    clock.advance(timedelta(minutes=5, seconds=2))
    counts = recover_sends_task.call_local(1)
    assert counts["sent"] == 1
    done = Notification.get_by_id(row.id)
    assert done.status == "sent" and "may arrive twice" in done.flagged
    assert [m["To"] for m in smtp_server.wait_for(1)] == ["friend@example.com"]


def test_recovery_stops_coming_back_after_a_few_rounds(app, db):
    left_on_the_wire(lease_minutes=60)
    recover_sends_task.call_local(RECOVERY_ROUNDS)
    assert scheduled_recoveries(app) == []


def test_with_nothing_held_recovery_does_not_come_back(app, db):
    assert send.next_lease_end() is None
    recover_sends_task.call_local()
    assert scheduled_recoveries(app) == []
