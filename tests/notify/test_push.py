"""Web Push as a channel: a browser subscribes from the person's page, messages go through the
outbox to a real push service on 127.0.0.1 (tests/fakes/webpush.py verifies the VAPID JWT, the
headers and decrypts the payload with the subscription's private key), and the push service's
answers decide what happens to the message and the subscription."""
from __future__ import annotations

from datetime import timedelta

import pytest

from plexportal.lib import clock
from plexportal.notify import links, push, send, service
from plexportal.notify.models import Delivery, Notification, PushSubscription
from tests.conftest import Browserless


@pytest.fixture
def webpush_service(set_settings):
    from tests.fakes.webpush import FakeWebPush

    fake = FakeWebPush().start()
    set_settings(PUSH_PRIVATE_ENDPOINTS="127.0.0.1", BASE_URL="https://harbour.example.com",
                 SERVER_NAME="Harbour Server")
    yield fake
    fake.stop()


# A browser's keys (RFC 8291's example): valid, so only the endpoint decides.
KEYS = {"p256dh": "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
        "auth": "BTBZMqHH6r4Tts7J_aSIgg"}


def _json(page, url, body):
    """POST JSON as push.js does: the CSRF token from the page in a header."""
    if page.token is None:
        page.get("/auth/login")
    return page.client.post(url, json=body, headers={"X-CSRFToken": page.token, "HX-Request": "true"})


def _page(client, user):
    page = Browserless(client)
    url = f"/notify/u/{links.make_token(user)}"
    assert page.get(url).status_code == 200
    return page, url


def _subscribe(client, user, fake):
    page, url = _page(client, user)
    subscription = fake.new_subscription()
    r = _json(page, f"{url}/push", {"subscription": subscription})
    assert r.status_code == 200, r.get_data(as_text=True)
    return subscription, page, url


@pytest.fixture
def ana(db, make_user, client, webpush_service):
    """A person without email whose phone is subscribed to push."""
    person = make_user("ana", email="")
    _subscribe(client, person, webpush_service)
    return person


def _declined(user, title="Paper Lanterns"):
    return service.notify_user(
        user, "media.request_declined", f"request:{title}",
        item={"text": f"Your request for {title} was declined.", "quote": "Already on the server in 4K."},
        payload={"subject": f"Request declined: {title}", "headline": "Request declined", "title": title,
                 "watch_url": "https://app.plex.tv/desktop#!/server/abc/details?key=%2Flibrary%2Fmetadata%2F7"})


def _due():
    clock.advance(timedelta(hours=1))
    return send.send_due()


def test_it_delivers_a_message_to_the_phone_through_the_outbox(db, make_user, client, webpush_service):
    fake = webpush_service
    fake.expected_key = push.public_key()
    ana = make_user("ana", email="")
    _subscribe(client, ana, fake)

    rows = _declined(ana)
    assert [r.channel for r in rows] == ["push"]
    counts = _due()

    assert counts["sent"] == 1
    assert fake.rejected == []
    [got] = fake.received
    assert got.message["title"] == "Request declined: Paper Lanterns"
    assert "Your request for Paper Lanterns was declined." in got.message["body"]
    assert "Already on the server in 4K." in got.message["body"]
    assert got.message["url"].startswith("https://app.plex.tv/desktop#!/server/abc/")
    assert got.claims["aud"] == fake.url and got.claims["sub"] == "https://harbour.example.com"
    assert int(got.headers["Ttl"]) > 0
    row = Notification.get_by_id(rows[0].id)
    assert row.status == "sent" and row.attempts == 1
    sub = PushSubscription.get()
    assert sub.last_success_at is not None and sub.failures == 0
    assert "/notify/u/" not in str(got.message)            # a page link goes only to the mailbox


def test_it_removes_a_subscription_the_push_service_reports_gone(ana, webpush_service):
    fake = webpush_service
    fake.answer_next(410)

    [row] = _declined(ana)
    _due()

    row = Notification.get_by_id(row.id)
    assert row.status == "failed"
    assert "gone (410)" in row.last_error
    assert PushSubscription.select().count() == 0
    [attempt] = Delivery.select().where(Delivery.notification == row.id)
    assert not attempt.ok and "removed" in attempt.error
    # The next message has nowhere to go by push: nothing is queued for the phone.
    assert _declined(ana, "Quiet Harbour") == []


def test_it_fails_a_message_the_push_service_refuses_and_does_not_retry_it(ana, webpush_service):
    fake = webpush_service
    fake.answer_next(400)

    [row] = _declined(ana)
    _due()
    _due()
    clock.advance(timedelta(days=4))
    send.send_due()

    row = Notification.get_by_id(row.id)
    assert row.status == "failed" and row.attempts == 1
    assert "refused the message (400)" in row.last_error
    assert len([c for c in fake.calls if c.path.startswith("/push/")]) == 1
    sub = PushSubscription.get()                     # refused once is not gone
    assert sub.failures == 1 and "400" in sub.last_error


def test_it_retries_after_a_push_service_error(ana, webpush_service):
    fake = webpush_service
    fake.answer_next(500)

    [row] = _declined(ana)
    _due()
    waiting = Notification.get_by_id(row.id)
    assert waiting.status == "pending" and waiting.attempts == 1
    assert waiting.send_after > clock.now()
    assert fake.received == []

    clock.advance(timedelta(minutes=2))
    send.send_due()
    done = Notification.get_by_id(row.id)
    assert done.status == "sent" and done.attempts == 2
    assert [m["title"] for m in fake.messages()] == ["Request declined: Paper Lanterns"]


def test_it_retries_a_push_service_that_does_not_answer_in_time(ana, webpush_service, monkeypatch):
    from plexportal.gateways import webpush

    fake = webpush_service
    monkeypatch.setattr(webpush, "TIMEOUT", (1.0, 0.3))
    fake.delay = 1.0

    [row] = _declined(ana)
    _due()
    row = Notification.get_by_id(row.id)
    assert row.status == "pending" and row.attempts == 1
    assert "did not answer in time" in row.last_error


def test_it_sends_admin_alerts_to_an_admins_push(db, admin_web, webpush_service):
    fake = webpush_service
    subscription = fake.new_subscription()
    page = admin_web.get("/notify/")
    assert 'id="push-admin"' in page.get_data(as_text=True)
    r = _json(admin_web, "/notify/push/admin", {"subscription": subscription})
    assert r.status_code == 200
    assert "Admin alerts will come to this device" in r.get_data(as_text=True)

    service.queue_admin_alert("Backup failed on Harbour Server (rsync code 23)", "The nightly backup failed.")
    send.send_due()
    listed = admin_web.get("/notify/?status=sent").get_data(as_text=True)
    assert "Backup failed on Harbour Server" in listed and "(push)" in listed and fake.url not in listed

    [got] = fake.received
    assert got.message["title"] == "Backup failed on Harbour Server (rsync code 23)"
    assert got.message["body"] == "The nightly backup failed."
    assert got.message["url"] == "https://harbour.example.com/"


def test_a_persons_subscription_gets_only_what_they_switched_on(db, make_user, client, webpush_service):
    fake = webpush_service
    ana = make_user("ana", email="")
    _, page, url = _subscribe(client, ana, fake)
    # Everything on except declined requests.
    from plexportal.notify import events

    form = {f"push-{e.key}": "1" for e in events.all_events() if e.key != "media.request_declined"}
    assert page.post(f"{url}/push/events", data=form, htmx=True).status_code == 200

    assert _declined(ana) == []
    service.queue_admin_alert("Backup failed", "x")           # not an admin's device
    send.send_due()
    assert fake.calls == []


@pytest.mark.parametrize("endpoint,why", [
    ("http://push.example.com/x", "must be an https address"),
    ("https://10.0.0.5/push/x", "not a public address"),
    ("https://127.0.0.1:9/push/x", "not a public address"),
    ("https://[::1]/push/x", "not a public address"),
    ("ftp://push.example.com/x", "must be an https address"),
    ("not a url", "not a URL"),
])
def test_it_refuses_an_endpoint_the_server_must_not_post_to(db, make_user, client, endpoint, why):
    ana = make_user("ana")
    page, url = _page(client, ana)
    r = _json(page, f"{url}/push", {"subscription": {"endpoint": endpoint, "keys": KEYS}})
    assert r.status_code == 422
    assert why in r.get_data(as_text=True)
    assert PushSubscription.select().count() == 0


def test_it_refuses_a_loopback_endpoint_unless_the_host_allows_it(db, make_user, client, monkeypatch):
    from tests.fakes.webpush import FakeWebPush

    fake = FakeWebPush().start()
    try:
        ana = make_user("ana", email="")
        page, url = _page(client, ana)
        r = _json(page, f"{url}/push", {"subscription": fake.new_subscription()})
        assert r.status_code == 422 and "must be an https address" in r.get_data(as_text=True)
        # A subscription stored while it was allowed is not sent to once the setting is gone.
        monkeypatch.setenv("PLEXPORTAL_PUSH_PRIVATE_ENDPOINTS", "127.0.0.1")
        assert _json(page, f"{url}/push", {"subscription": fake.new_subscription()}).status_code == 200
        monkeypatch.delenv("PLEXPORTAL_PUSH_PRIVATE_ENDPOINTS")
        [row] = _declined(ana)
        _due()
        row = Notification.get_by_id(row.id)
        assert row.status == "failed" and "https" in row.last_error
        assert fake.calls == []
    finally:
        fake.stop()


@pytest.mark.parametrize("keys,why", [
    ({"p256dh": "AAAA", "auth": "tBHItJI5svbpez7KI4CCXg"}, "p256dh key is not valid"),
    ({"p256dh": "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
      "auth": ""}, "auth key is missing"),
    ({}, "p256dh key is missing"),
])
def test_it_refuses_a_subscription_with_broken_keys(db, make_user, client, webpush_service, keys, why):
    ana = make_user("ana")
    page, url = _page(client, ana)
    endpoint = webpush_service.new_subscription()["endpoint"]
    r = _json(page, f"{url}/push", {"subscription": {"endpoint": endpoint, "keys": keys}})
    assert r.status_code == 422 and why in r.get_data(as_text=True)


def test_subscribing_needs_the_csrf_token_and_the_persons_own_link(db, make_user, client, admin_web, webpush_service):
    ana = make_user("ana")
    token = links.make_token(ana)
    subscription = webpush_service.new_subscription()
    assert client.post(f"/notify/u/{token}/push", json={"subscription": subscription}).status_code == 400
    assert client.post("/notify/u/forged-token/push", json={"subscription": subscription},
                       headers={"X-CSRFToken": admin_web.token}).status_code in (400, 404)
    # The admin's view of the page must not put the admin's browser on the person's messages.
    r = _json(admin_web, f"/notify/users/{ana.id}/push", {"subscription": subscription})
    assert r.status_code == 403
    assert PushSubscription.select().count() == 0


def test_turning_push_off_removes_the_device(db, make_user, client, webpush_service):
    ana = make_user("ana")
    subscription, page, url = _subscribe(client, ana, webpush_service)
    assert "Turn off" in page.get(url).get_data(as_text=True)
    r = _json(page, f"{url}/push/delete", {"endpoint": subscription["endpoint"]})
    assert r.status_code == 200
    assert PushSubscription.select().count() == 0


def test_the_vapid_key_is_made_once_and_stored_encrypted(db):
    from plexportal.settings.models import Setting

    first = push.public_key()
    assert push.public_key() == first
    stored = Setting.get(Setting.key == "VAPID_PRIVATE_KEY").value
    assert "PRIVATE KEY" not in stored
    assert "PRIVATE KEY" in push.private_key()


def test_a_persons_page_is_installable(db, make_user, client, webpush_service):
    ana = make_user("ana")
    page, url = _page(client, ana)
    html = page.get(url).get_data(as_text=True)
    assert f'href="{url}/manifest.webmanifest"' in html
    manifest = client.get(f"{url}/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    doc = manifest.get_json()
    assert doc["name"] == "Harbour Server" and doc["start_url"] == url and doc["display"] == "standalone"
    assert doc["theme_color"] == "#e5a00d"
    sizes = {(i["sizes"], i["purpose"]) for i in doc["icons"]}
    assert sizes == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for icon in doc["icons"]:
        r = client.get(icon["src"])
        assert r.status_code == 200 and r.data[:8] == b"\x89PNG\r\n\x1a\n"
        width = int.from_bytes(r.data[16:20], "big")
        assert f"{width}x{width}" == icon["sizes"]
    sw = client.get("/notify/sw.js")
    assert sw.headers["Service-Worker-Allowed"] == "/" and sw.mimetype == "text/javascript"
    assert "/notify/offline" in sw.get_data(as_text=True)
    offline = client.get("/notify/offline")
    assert offline.status_code == 200 and "offline" in offline.get_data(as_text=True)


def test_send_me_a_test_reaches_the_device(db, make_user, client, webpush_service):
    fake = webpush_service
    ana = make_user("ana")
    _, page, url = _subscribe(client, ana, fake)
    sub = PushSubscription.get()
    assert "Send me a test" in page.get(url).get_data(as_text=True)
    r = page.post(f"{url}/test", data={"target": f"push:{sub.id}"}, htmx=True)
    assert r.status_code == 200
    send.send_due()
    assert [m["title"] for m in fake.messages()] == ["Test message from Harbour Server"]
    # Someone else's device is not theirs to test.
    bo = make_user("bo")
    other, other_url = _page(client, bo)
    r = other.post(f"{other_url}/test", data={"target": f"push:{sub.id}"}, htmx=True)
    assert "no longer gets push messages" in r.get_data(as_text=True)
