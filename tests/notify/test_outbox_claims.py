"""Claims in chunks: two senders working the same rows at once still send each message once."""
import threading

from plexportal.db import db as database
from plexportal.notify import send, service
from plexportal.notify.models import Notification


def test_it_sends_each_row_once_when_two_senders_race(db, set_settings, smtp_server):
    set_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.port), SMTP_SECURITY="none",
                 SMTP_FROM="portal@example.com")
    ids = [service.queue_email(f"p{i}@example.com", f"m{i}", "text", kick=False).id for i in range(120)]
    barrier = threading.Barrier(2)
    errors = []

    def sender():
        try:
            database.connect(reuse_if_open=True)
            barrier.wait()
            send.send(ids)
        except Exception as err:  # noqa: BLE001
            errors.append(err)
        finally:
            database.close()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    smtp_server.wait_for(120)
    assert sorted(m["Subject"] for m in smtp_server.messages) == sorted(f"m{i}" for i in range(120))
    assert {n.status for n in Notification.select()} == {"sent"}


def test_it_hands_back_claimed_rows_when_the_smtp_server_goes_away(db, set_settings, smtp_server, monkeypatch):
    from plexportal.gateways import email as gateway

    set_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.port), SMTP_SECURITY="none",
                 SMTP_FROM="portal@example.com")
    for i in range(5):
        service.queue_email(f"p{i}@example.com", f"m{i}", "text", kick=False)
    real_send = gateway.SmtpConnection.send

    def send_then_vanish(self, message):
        if smtp_server.messages:                       # after the first message the server dies
            smtp_server.stop()
        return real_send(self, message)

    monkeypatch.setattr(gateway.SmtpConnection, "send", send_then_vanish)
    send.send_due()
    rows = list(Notification.select().order_by(Notification.id))
    assert rows[0].status == "sent"
    assert "sending" not in {n.status for n in rows}     # nothing stranded for 10 minutes
    assert all(n.status == "pending" and n.attempts <= 1 for n in rows[1:])   # retried later, none lost
