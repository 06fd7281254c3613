"""The outbox against a real SMTP server: delivered once, retried with backoff, never twice."""
from datetime import timedelta

from plexportal.lib import clock
from plexportal.notify import mailserver, send, service
from plexportal.notify.models import Delivery, Notification


def smtp_settings(set_settings, server):
    set_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=str(server.port), SMTP_SECURITY="none",
                 SMTP_FROM="portal@example.com", ADMIN_EMAIL="owner@example.com")


def test_it_delivers_a_queued_email_with_text_and_html(db, set_settings, smtp_server):
    smtp_settings(set_settings, smtp_server)
    row = service.queue_email("friend@example.com", "Hello", "Plain words", "<p>Rich words</p>")
    [msg] = smtp_server.wait_for(1)
    assert msg["To"] == "friend@example.com"
    assert msg["Subject"] == "Hello"
    assert msg.get_body(("plain",)).get_content().strip() == "Plain words"
    assert "Rich words" in msg.get_body(("html",)).get_content()
    assert Notification.get_by_id(row.id).status == "sent"


def test_it_pauses_while_smtp_is_down_spends_no_attempt_and_sends_once_when_back(db, set_settings, smtp_server):
    smtp_settings(set_settings, smtp_server)
    smtp_server.stop()
    row = service.queue_email("friend@example.com", "Ready", "text")
    row = Notification.get_by_id(row.id)
    assert row.status == "pending" and row.attempts == 0      # the outage is not the message's fault
    down = mailserver.status()
    assert down and "refused" in down["error"]
    assert send.send_due()["waiting"] == 1                    # paused: no probe before next_probe_at
    smtp_server.start()
    clock.freeze(clock.now() + timedelta(minutes=2))
    assert send.send_due()["sent"] == 1
    assert send.send_due()["sent"] == 0
    assert mailserver.status() is None
    assert len(smtp_server.wait_for(1)) == 1
    assert [d.ok for d in Delivery.select().where(Delivery.notification == row.id)] == [True]
    assert Notification.get_by_id(row.id).attempts == 1


def test_it_gives_up_only_when_the_retry_budget_is_spent(db, set_settings, smtp_server):
    smtp_settings(set_settings, smtp_server)
    set_settings(NOTIFY_GIVE_UP_HOURS="2")
    smtp_server.refuse["friend@example.com"] = "452 4.2.2 Mailbox full, try later"
    row = service.queue_email("friend@example.com", "Ready", "text")
    start = clock.now()
    while clock.now() < start + timedelta(hours=1, minutes=50):
        clock.freeze(clock.now() + timedelta(minutes=10))
        send.send_due()
        assert Notification.get_by_id(row.id).status == "pending"
    clock.freeze(start + timedelta(hours=3, minutes=5))       # the first try after the budget ends it
    send.send_due()
    row = Notification.get_by_id(row.id)
    assert row.status == "failed" and "452" in row.last_error
    assert Delivery.select().where(Delivery.notification == row.id).count() == row.attempts > 5


def test_it_never_sends_a_row_twice_even_when_asked_twice(db, set_settings, smtp_server):
    smtp_settings(set_settings, smtp_server)
    row = service.queue_email("friend@example.com", "Once", "text", kick=False)
    send.send([row.id])
    send.send([row.id])
    send.send_due()
    assert len(smtp_server.wait_for(1)) == 1
    assert smtp_server.messages[0]["Subject"] == "Once"


def test_it_recovers_a_message_claimed_by_a_worker_that_died(db, set_settings, smtp_server):
    smtp_settings(set_settings, smtp_server)
    row = service.queue_email("friend@example.com", "Survivor", "text", kick=False)
    Notification.update(status="sending", claimed_at=clock.now()).where(Notification.id == row.id).execute()
    assert send.send_due()["sent"] == 0           # still owned by the (dead) sender
    clock.freeze(clock.now() + timedelta(minutes=11))
    assert send.send_due()["sent"] == 1
    assert smtp_server.wait_for(1)[0]["Subject"] == "Survivor"


def test_it_sends_admin_alerts_once_per_dedup_key(db, set_settings, smtp_server):
    smtp_settings(set_settings, smtp_server)
    service.queue_admin_alert("Backup failed", "rsync code 23", dedup_key="backup-1")
    service.queue_admin_alert("Backup failed", "rsync code 23", dedup_key="backup-1")
    [msg] = smtp_server.wait_for(1)
    assert msg["To"] == "owner@example.com"
    assert Notification.select().count() == 1


def test_it_uses_one_smtp_connection_for_a_batch(db, set_settings, smtp_server):
    smtp_settings(set_settings, smtp_server)
    for i in range(5):
        service.queue_email(f"p{i}@example.com", f"m{i}", "text", kick=False)
    before = smtp_server.connections
    assert send.send_due()["sent"] == 5
    assert smtp_server.connections - before == 1
