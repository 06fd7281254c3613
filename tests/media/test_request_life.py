"""A request's life as the person who asked hears it: Seerr's MEDIA_* webhooks (bodies built by the
fake Seerr from its own state, in the default template's wire format) become messages through the
outbox, delivered to the real SMTP server and to a chat channel."""
from datetime import timedelta

import pytest

from plexportal.lib import clock
from plexportal.media import lifecycle, service
from plexportal.media.models import WebhookEvent
from plexportal.notify import channels, prefs, send
from plexportal.notify.models import Channel, Notification


@pytest.fixture
def smtp(set_settings, smtp_server):
    set_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.port), SMTP_SECURITY="none",
                 SMTP_FROM="portal@example.com", BASE_URL="https://portal.example.com", SERVER_NAME="Harbour Server")
    return smtp_server


@pytest.fixture
def seerr(fake_seerr):
    fake_seerr.add_user(3, "alice", "alice@example.com")
    fake_seerr.add_title("movie", 550123, "Paper Lanterns", 2024)
    fake_seerr.add_title("tv", 98765, "The Quiet Harbour", 2023, tvdb_id=371234)
    return fake_seerr


def later(minutes=21):
    clock.freeze(clock.now() + timedelta(minutes=minutes))
    return send.send_due()


def alice():
    from plexportal.auth.models import User

    return User.get(User.email == "alice@example.com")


def test_it_tells_the_requester_their_request_was_declined_with_seerrs_reason(db, hooks, seerr, smtp):
    row = seerr.add_request(18, "movie", 550123, 3, status=3, media_status=1)
    body = seerr.request_webhook(row, "MEDIA_DECLINED", extra=[{"name": "Reason", "value": "We have it on disc."}])
    event = hooks("seerr", body)
    assert event.status == "processed"
    assert smtp.messages == []                         # batched like every user message
    assert later()["sent"] == 1
    [msg] = smtp.wait_for(1)
    assert msg["To"] == "alice@example.com"
    assert msg["Subject"] == "Declined: Paper Lanterns (2024)"
    text = msg.get_body(("plain",)).get_content()
    assert "Your request for Paper Lanterns (2024) was declined. The admin gave this reason:" in text
    assert '"We have it on disc."' in text
    assert "Manage notifications: https://portal.example.com/notify/u/" in text
    html = msg.get_body(("html",)).get_content()
    assert "We have it on disc." in html and "Request declined" in html
    assert 'src="https://image.tmdb.org/t/p/w600_and_h900_bestv2/p550123.jpg"' in html


def test_it_words_a_decline_without_a_reason_plainly(db, hooks, seerr, smtp):
    hooks("seerr", seerr.request_webhook(seerr.add_request(18, "movie", 550123, 3, status=3), "MEDIA_DECLINED"))
    later()
    [msg] = smtp.wait_for(1)
    text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith("Your request for Paper Lanterns (2024) was declined.\n")
    assert "reason" not in text


def test_it_sends_one_message_for_a_webhook_delivered_twice_and_reprocessed(db, hooks, seerr, smtp):
    body = seerr.request_webhook(seerr.add_request(19, "movie", 550123, 3, status=4), "MEDIA_FAILED")
    first = hooks("seerr", body)
    second = hooks("seerr", body)                      # Seerr (or a proxy) delivering it again
    assert first.id == second.id
    service.process_event(first.id, force=True)        # the admin's Reprocess
    assert later()["sent"] == 1
    service.process_event(first.id, force=True)        # and again after it went out
    later()
    [msg] = smtp.wait_for(1)
    assert msg["Subject"] == "Problem with your request: Paper Lanterns (2024)"
    assert Notification.select().where(Notification.kind == lifecycle.FAILED).count() == 1


def test_it_tells_a_step_again_only_for_another_request(db, hooks, seerr, smtp):
    hooks("seerr", seerr.request_webhook(seerr.add_request(19, "movie", 550123, 3, status=4), "MEDIA_FAILED"))
    hooks("seerr", seerr.request_webhook(seerr.add_request(20, "tv", 98765, 3, status=4, tvdb_id=371234,
                                                           seasons=(1,)), "MEDIA_FAILED"))
    later()
    assert sorted(m["Subject"] for m in smtp.wait_for(2)) == [
        "Problem with your request: Paper Lanterns (2024)", "Problem with your request: The Quiet Harbour (2023)"]


def test_it_keeps_approvals_quiet_until_the_person_switches_them_on(db, hooks, seerr, smtp):
    row = seerr.add_request(17, "movie", 550123, 3, status=2)
    hooks("seerr", seerr.request_webhook(row, "MEDIA_AUTO_APPROVED"))
    assert Notification.select().count() == 0          # approvals are off by default
    prefs.set_email_events(alice(), {lifecycle.APPROVED: True})
    hooks("seerr", seerr.request_webhook(row, "MEDIA_APPROVED"))
    later()
    [msg] = smtp.wait_for(1)
    assert msg["Subject"] == "Approved: Paper Lanterns (2024)"
    assert "was approved. It is being looked for now; it is not ready to watch yet." in \
        msg.get_body(("plain",)).get_content()


def test_it_never_says_waiting_for_approval_after_the_request_was_decided(db, hooks, seerr, smtp):
    row = seerr.add_request(17, "movie", 550123, 3, status=1, media_status=2)
    hooks("seerr", seerr.request_webhook(row, "MEDIA_PENDING"))        # makes alice known
    prefs.set_email_events(alice(), {lifecycle.PENDING: True, lifecycle.DECLINED: True})
    hooks("seerr", {**seerr.request_webhook(row, "MEDIA_PENDING"), "message": "again"})
    pending = Notification.get(Notification.kind == lifecycle.PENDING)
    assert pending.status == "collecting"
    hooks("seerr", seerr.request_webhook(row, "MEDIA_DECLINED"))       # decided before it went out
    assert Notification.get_by_id(pending.id).status == "cancelled"
    later()
    assert [m["Subject"] for m in smtp.wait_for(1)] == ["Declined: Paper Lanterns (2024)"]
    # A "pending" webhook arriving late (out of order) says nothing.
    hooks("seerr", {**seerr.request_webhook(row, "MEDIA_PENDING"), "message": "late"})
    assert Notification.select().where(Notification.kind == lifecycle.PENDING,
                                       Notification.status != "cancelled").count() == 0


def test_it_delivers_to_the_persons_chat_channel_too(db, hooks, seerr, smtp, set_settings):
    from tests.fakes.push import FakePush

    push = FakePush().start()
    try:
        set_settings(NOTIFY_PRIVATE_HOSTS="127.0.0.1")
        row = seerr.add_request(18, "movie", 550123, 3, status=3)
        hooks("seerr", seerr.request_webhook(seerr.add_request(1, "movie", 1, 3), "MEDIA_PENDING"))
        Channel.create(user=alice(), label="ntfy", service="ntfy", url_hint="x",
                       url_encrypted=channels._box().encrypt(f"ntfy://127.0.0.1:{push.port}/alice"))
        hooks("seerr", seerr.request_webhook(row, "MEDIA_DECLINED",
                                             extra=[{"name": "Decline Reason", "value": "Not in English."}]))
        assert later()["sent"] == 2
        [call] = push.calls_to("/", "POST")
        assert call.json["title"] == "Declined: Paper Lanterns (2024)"
        assert "Not in English." in call.json["message"] and "/notify/u/" not in call.json["message"]
        assert len(smtp.wait_for(1)) == 1
    finally:
        push.stop()


def test_it_never_tells_an_old_event_late(db, hooks, seerr, smtp):
    body = seerr.request_webhook(seerr.add_request(18, "movie", 550123, 3, status=3), "MEDIA_DECLINED")
    recorded = service.record_webhook("seerr", __import__("json").dumps(body).encode())
    WebhookEvent.update(received_at=clock.now() - timedelta(days=3)).where(WebhookEvent.id == recorded.event_id).execute()
    service.process_event(recorded.event_id)            # e.g. reprocessed by the admin days later
    assert WebhookEvent.get_by_id(recorded.event_id).status == "processed"
    assert Notification.select().count() == 0


def test_it_lists_each_step_as_a_switch_on_the_persons_page(db, hooks, seerr, client):
    from plexportal.notify import links
    from tests.conftest import Browserless

    hooks("seerr", seerr.request_webhook(seerr.add_request(17, "movie", 550123, 3, status=1), "MEDIA_PENDING"))
    page = Browserless(client).get("/notify/u/" + links.make_token(alice())).get_data(as_text=True)
    for key in (lifecycle.PENDING, lifecycle.APPROVED, lifecycle.AUTO_APPROVED, lifecycle.DECLINED, lifecycle.FAILED):
        assert f'name="ev-{key}"' in page
    assert _checked(page, "ev-media.request_declined") and _checked(page, "ev-media.request_failed")
    assert not _checked(page, "ev-media.request_approved")


def _checked(page: str, name: str) -> bool:
    import re

    tag = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page)
    return bool(tag and "checked" in tag.group(0))
