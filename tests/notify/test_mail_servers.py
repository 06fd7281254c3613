"""Mail servers as they really behave (aiosmtpd on loopback): greylisting, deferrals and refusals,
nonsense, outages longer than any retry budget, and a slow reply to the end of DATA. Each message
arrives once, nothing is lost, and the page says what is going on."""
import threading
import time
from collections import Counter
from datetime import timedelta

from plexportal.lib import clock
from plexportal.notify import mailserver, send, service
from plexportal.notify.models import Delivery, Notification


def smtp_settings(set_settings, server, **extra):
    set_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=str(server.port), SMTP_SECURITY="none",
                 SMTP_FROM="portal@example.com", **extra)


def queue(n, **kw):
    return [service.queue_email(f"p{i}@example.com", f"m{i}", "text", kick=False, **kw) for i in range(n)]


def statuses():
    return Counter(n.status for n in Notification.select())


def test_it_delivers_through_a_greylisting_server_on_the_retry(db, set_settings, smtp_server):
    smtp_settings(set_settings, smtp_server)
    smtp_server.greylist = 1                     # postgrey: the first RCPT of a new triple gets 450
    queue(10)
    assert send.send_due() == {"sent": 0, "failed": 10, "waiting": 0, "skipped": 0}
    assert statuses() == {"pending": 10}
    row = Notification.select().first()
    assert "deferred the recipient (450" in row.last_error and row.attempts == 1
    clock.freeze(clock.now() + timedelta(minutes=1, seconds=1))
    assert send.send_due()["sent"] == 10
    assert statuses() == {"sent": 10}
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(f"p{i}@example.com" for i in range(10))


def test_it_treats_a_451_to_mail_from_as_temporary(db, set_settings, smtp_server):
    smtp_settings(set_settings, smtp_server)
    smtp_server.mail_reply = "451 4.3.0 Temporary lookup failure"
    [row] = queue(1)
    send.send_due()
    row = Notification.get_by_id(row.id)
    assert row.status == "pending" and "deferred the From address (451)" in row.last_error
    smtp_server.mail_reply = None
    clock.freeze(clock.now() + timedelta(minutes=2))
    send.send_due()
    assert Notification.get_by_id(row.id).status == "sent" and len(smtp_server.messages) == 1


def test_it_fails_a_refused_recipient_at_once_and_still_sends_the_others(db, set_settings, smtp_server):
    smtp_settings(set_settings, smtp_server)
    smtp_server.refuse["p1@example.com"] = "550 5.1.1 <p1@example.com>: Recipient address rejected: User unknown"
    rows = queue(3)
    before = smtp_server.connections
    send.send_due()
    assert [Notification.get_by_id(r.id).status for r in rows] == ["sent", "failed", "sent"]
    failed = Notification.get_by_id(rows[1].id)
    assert failed.attempts == 1 and "refused the recipient address (550)" in failed.last_error
    assert smtp_server.connections - before == 1      # a refusal does not cost the connection


def test_it_keeps_a_message_when_the_server_answers_nonsense(db, set_settings, smtp_server):
    smtp_settings(set_settings, smtp_server)
    smtp_server.reject_with = "hello there, I am not a mail server"
    [row] = queue(1)
    send.send_due()
    row = Notification.get_by_id(row.id)
    assert row.status == "pending" and "not SMTP" in row.last_error
    smtp_server.reject_with = None
    clock.freeze(clock.now() + timedelta(minutes=2))
    send.send_due()
    assert Notification.get_by_id(row.id).status == "sent"


def test_it_pauses_on_a_421_at_the_recipient_without_spending_attempts(db, set_settings, smtp_server):
    smtp_settings(set_settings, smtp_server)
    for i in range(3):
        smtp_server.refuse[f"p{i}@example.com"] = "421 4.3.2 Service shutting down"
    rows = queue(3)
    send.send_due()
    assert {Notification.get_by_id(r.id).attempts for r in rows} == {0}
    assert mailserver.status() and "421" in mailserver.status()["error"]
    # the try is on record, marked as not counted
    assert "not counted" in Delivery.get(Delivery.notification == rows[0].id).error


def test_it_loses_nothing_to_an_outage_longer_than_any_retry_budget(logged_in, db, set_settings, smtp_server):
    smtp_settings(set_settings, smtp_server, NOTIFY_GIVE_UP_HOURS="1", API_KEY="k" * 32)
    smtp_server.stop()
    rows = queue(20)
    start = clock.now()
    probes = 0
    while clock.now() < start + timedelta(hours=7):     # a whole working day without mail
        clock.freeze(clock.now() + timedelta(minutes=1))
        before = mailserver.state().checked_at
        send.send_due()
        probes += mailserver.state().checked_at != before
    assert statuses() == {"pending": 20}
    assert {Notification.get_by_id(r.id).attempts for r in rows} == {0}
    assert Delivery.select().count() == 0
    assert probes < 60                                   # one probe per backoff step, not one per message
    page = logged_in.get("/notify/").get_data(as_text=True)
    assert "Mail server unreachable since" in page and "refused the connection" in page
    api = logged_in.client.get("/api/v1/notifications", headers={"X-Api-Key": "k" * 32}).get_json()
    assert api["mail_server"]["reachable"] is False and api["mail_server"]["down_since"]

    smtp_server.start()
    clock.freeze(clock.now() + timedelta(minutes=11))
    send.send_due()
    assert statuses() == {"sent": 20}
    assert Counter(m["To"] for m in smtp_server.messages) == Counter(f"p{i}@example.com" for i in range(20))
    assert "Mail server unreachable" not in logged_in.get("/notify/").get_data(as_text=True)


def test_it_does_not_resend_soon_after_a_lost_reply_to_the_end_of_data(logged_in, db, set_settings, smtp_server):
    smtp_settings(set_settings, smtp_server, SMTP_DATA_TIMEOUT="1", NOTIFY_UNCERTAIN_RETRY_MINUTES="120")
    smtp_server.stall_after_store = 2.5           # stores the message, answers 250 after 2.5 s
    rows = queue(2)
    send.send_due()
    assert len(smtp_server.messages) == 2         # both stored once
    for r in rows:
        row = Notification.get_by_id(r.id)
        assert row.status == "pending" and row.uncertain_at is not None
        assert row.flagged.startswith("May have been delivered")
    page = logged_in.get("/notify/").get_data(as_text=True)
    assert "may have been delivered" in page
    smtp_server.stall_after_store = 0
    start = clock.now()
    for minutes in (1, 5, 30, 60, 110):           # the sweeps of the next two hours leave them alone
        clock.freeze(start + timedelta(minutes=minutes))
        send.send_due()
    assert len(smtp_server.messages) == 2
    clock.freeze(start + timedelta(minutes=121))
    send.send_due()
    assert statuses() == {"sent": 2}
    assert len(smtp_server.messages) == 4         # the documented cost: a late resend may be a second copy
    assert len({m["Message-ID"] for m in smtp_server.messages}) == 2


def test_it_sends_each_message_once_when_a_slow_server_outlasts_the_lease(app, db, set_settings, smtp_server):
    """A send that takes longer than the lease keeps its claim (the heartbeat renews it) while
    other senders sweep: nothing goes out twice, with no crash at all."""
    smtp_settings(set_settings, smtp_server, WORKER_LEASE_SECONDS="2")
    smtp_server.delay = 2.5                       # each message takes longer than the lease
    queue(3)
    stop = threading.Event()

    def sweeper():
        while not stop.is_set():
            with app.app_context():
                from plexportal.db import db_session
                with db_session():
                    send.send_due()
            time.sleep(0.2)

    others = [threading.Thread(target=sweeper) for _ in range(2)]
    for t in others:
        t.start()
    deadline = time.time() + 30
    while Notification.select().where(Notification.status == "sent").count() < 3 and time.time() < deadline:
        time.sleep(0.2)
    stop.set()
    for t in others:
        t.join(30)
    assert statuses() == {"sent": 3}
    assert Counter(m["To"] for m in smtp_server.messages) == Counter(f"p{i}@example.com" for i in range(3))
    assert Notification.select().where(Notification.flagged == send.ON_THE_WIRE).count() == 0
