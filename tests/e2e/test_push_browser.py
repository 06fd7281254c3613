"""Installing a person's page and turning on Web Push, in Chromium.

Chromium's real `PushManager.subscribe` would contact the browser vendor's push service, which
must never happen here (no traffic leaves 127.0.0.1). So an init script replaces
`PushManager.prototype.subscribe` and `getSubscription`: they return a subscription whose endpoint
is the fake push service on 127.0.0.1 (tests/fakes/webpush.py) and whose keys the test holds, and
they record the applicationServerKey the page passed. Everything else is real: the manifest the
page links, the service worker registered and controlling the page, the offline page it serves,
the notifications permission (granted in the context), the subscribe request with its CSRF token,
and a message sent through the outbox that the fake push service verifies and decrypts."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.conftest import PASSWORD
from tests.e2e.inprocess import DESKTOP, SHOTS, save_shot, signed_in_page, watch_console

pytestmark = [pytest.mark.e2e, pytest.mark.sqlite_only]

PHONE_360 = {"width": 360, "height": 780}

FAKE_PUSH_MANAGER = """
(() => {
  const subscription = %s;
  const KEY = "fake-push-subscribed";
  const make = () => ({
    endpoint: subscription.endpoint, expirationTime: null,
    toJSON: () => subscription,
    unsubscribe: () => { localStorage.removeItem(KEY); return Promise.resolve(true); },
  });
  PushManager.prototype.subscribe = function (options) {
    const key = new Uint8Array(options.applicationServerKey);
    localStorage.setItem("fake-push-key", btoa(String.fromCharCode(...key)));
    localStorage.setItem(KEY, "1");
    return Promise.resolve(make());
  };
  PushManager.prototype.getSubscription = function () {
    return Promise.resolve(localStorage.getItem(KEY) ? make() : null);
  };
})();
"""


@pytest.fixture
def webpush():
    from tests.fakes.webpush import FakeWebPush

    fake = FakeWebPush().start()
    yield fake
    fake.stop()


@pytest.fixture
def served(serve, app_factory, webpush, monkeypatch):
    from plexportal.auth import service
    from plexportal.auth.models import User
    from plexportal.notify import links
    from plexportal.settings import service as settings

    monkeypatch.setenv("PLEXPORTAL_PUSH_PRIVATE_ENDPOINTS", "127.0.0.1")   # the fake push service
    app = app_factory()
    with app.app_context():
        service.create_admin("admin", PASSWORD)
        settings.set_many({"SERVER_NAME": "Harbour Server"})
        ana = User.create(username="ana", email="", display_name="Ana")
        token = links.make_token(ana)
    yield serve(app), token, app, ana.id


def _person_context(browser, base, viewport, subscription):
    context = browser.new_context(viewport=viewport)
    context.grant_permissions(["notifications"], origin=base)
    context.add_init_script(FAKE_PUSH_MANAGER % json.dumps(subscription))
    return context


@pytest.mark.parametrize("viewport,size", [(DESKTOP, "desktop"), (PHONE_360, "phone")])
def test_a_person_installs_their_page_and_turns_on_push(served, browser, webpush, viewport, size):
    from plexportal.lib import clock
    from plexportal.notify import push, send, service
    from plexportal.notify.models import PushSubscription

    base, token, app, ana_id = served
    subscription = webpush.new_subscription()
    context = _person_context(browser, base, viewport, subscription)
    page = context.new_page()
    errors = watch_console(page)
    url = f"{base}/notify/u/{token}"
    page.goto(url)

    # Installable: the manifest is linked and valid, the icons load.
    href = page.locator("link[rel=manifest]").get_attribute("href")
    assert href == f"/notify/u/{token}/manifest.webmanifest"
    manifest = page.evaluate("h => fetch(h, {credentials: 'include'}).then(r => r.json())", href)
    assert manifest["name"] == "Harbour Server" and manifest["display"] == "standalone"
    assert manifest["start_url"] == f"/notify/u/{token}"
    assert {i["purpose"] for i in manifest["icons"]} == {"any", "maskable"}
    for icon in manifest["icons"]:
        assert page.evaluate("s => fetch(s).then(r => r.status)", icon["src"]) == 200

    # The service worker is registered for the whole site and controls the page after a reload.
    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == f"{base}/"
    page.reload()
    assert page.evaluate("navigator.serviceWorker.controller !== null")

    # Turn on push: the page subscribes with the server's key and tells the server.
    page.locator("button.push-on").click()
    page.locator("#push-section .push-devices li").wait_for()
    assert page.locator("button.push-off").is_visible()
    assert page.locator("#push-section .push-state").inner_text() == "Push is on for this device."
    save_shot(page, f"push-on-{size}")
    page.locator("#push-section").screenshot(path=str(SHOTS / f"push-section-{size}.png"))
    with app.app_context():
        [row] = PushSubscription.select()
        assert row.user_id == ana_id and row.endpoint == subscription["endpoint"]
        import base64

        sent_key = base64.b64decode(page.evaluate("localStorage.getItem('fake-push-key')"))
        assert base64.urlsafe_b64encode(sent_key).rstrip(b"=").decode() == push.public_key()

        # A message to Ana goes through the outbox to the push service, encrypted for this device.
        from plexportal.auth.models import User

        service.notify_user(User.get_by_id(ana_id), "media.request_declined", "request:lanterns",
                            item={"text": "Your request for Paper Lanterns was declined."},
                            payload={"subject": "Request declined: Paper Lanterns", "title": "Paper Lanterns"})
        clock.advance(timedelta(hours=1))
        try:
            send.send_due()
        finally:
            clock.reset()
    assert [m["title"] for m in webpush.messages()] == ["Request declined: Paper Lanterns"]
    assert webpush.rejected == []

    # Offline, the installed page says so instead of the browser's error page.
    context.set_offline(True)
    page.goto(url)
    assert page.locator("h1").inner_text() == "You're offline"
    save_shot(page, f"push-offline-{size}")
    context.set_offline(False)

    # Turn it off again: the device is gone.
    page.goto(url)
    page.locator("button.push-off").click()
    page.locator("button.push-on").wait_for()
    with app.app_context():
        assert PushSubscription.select().count() == 0
    assert errors == []
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"]
    context.close()


def test_the_admins_dashboard_is_installable_and_takes_admin_alerts_by_push(served, browser, webpush):
    from plexportal.notify import send, service

    base, _token, app, _ = served
    subscription = webpush.new_subscription()
    page, errors = signed_in_page(browser, base, DESKTOP)
    page.context.grant_permissions(["notifications"], origin=base)
    page.context.add_init_script(FAKE_PUSH_MANAGER % json.dumps(subscription))
    page.goto(base + "/")
    href = page.locator("link[rel=manifest]").get_attribute("href")
    manifest = page.evaluate("h => fetch(h, {credentials: 'include'}).then(r => r.json())", href)
    assert manifest["start_url"] == "/" and manifest["name"] == "Harbour Server"
    page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")

    page.goto(base + "/notify/")
    page.locator("#push-admin button.push-on").click()
    page.locator("#push-admin .push-devices li").wait_for()
    save_shot(page, "push-admin-desktop")
    with app.app_context():
        service.queue_admin_alert("Backup failed on Harbour Server (rsync code 23)", "The nightly backup failed.")
        send.send_due()
    assert [m["title"] for m in webpush.messages()] == ["Backup failed on Harbour Server (rsync code 23)"]
    assert errors == []


def test_the_push_status_line_speaks_the_persons_language(served, browser, webpush):
    from plexportal.auth.models import User

    base, token, app, ana_id = served
    with app.app_context():
        User.update(language="de").where(User.id == ana_id).execute()
    context = _person_context(browser, base, DESKTOP, webpush.new_subscription())
    page = context.new_page()
    errors = watch_console(page)
    page.goto(f"{base}/notify/u/{token}")
    page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    page.locator("button.push-on").click()
    page.locator("#push-section .push-devices li").wait_for()
    state = page.locator("#push-section .push-state")
    state.filter(has_text="Push ist").wait_for()
    assert state.inner_text() == "Push ist auf diesem Gerät eingeschaltet."
    save_shot(page, "push-on-german")
    assert errors == []
    context.close()
