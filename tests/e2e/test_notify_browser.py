"""A person's page and the Notifications page in Chromium: add a channel, send a test that really
arrives, remove it (after confirming); the admin expands attempts and cancels a waiting message.
Screenshots go to tests/e2e/screenshots/."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.e2e.inprocess import DESKTOP, PHONE, save_shot, signed_in_page, watch_console

pytestmark = [pytest.mark.e2e, pytest.mark.sqlite_only]


@pytest.fixture
def served(serve, app_factory, smtp_server):
    from plexportal.auth import service
    from plexportal.auth.models import User
    from plexportal.notify import links
    from plexportal.settings import service as settings

    app = app_factory()
    with app.app_context():
        service.create_admin("admin", PASSWORD)
        settings.set_many({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_server.port), "SMTP_SECURITY": "none",
                           "SMTP_FROM": "portal@example.com", "SERVER_NAME": "Harbour Server",
                           "NOTIFY_PRIVATE_HOSTS": "127.0.0.1"})      # the push fake runs on this machine
        ana = User.create(username="ana", email="ana@example.com", display_name="Ana")
        token = links.make_token(ana)
    yield serve(app), token, app


@pytest.fixture
def push():
    from tests.fakes.push import FakePush

    fake = FakePush().start()
    yield fake
    fake.stop()


@pytest.mark.parametrize("viewport,size", [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_it_adds_tests_and_removes_a_channel_on_the_users_page(served, browser, push, smtp_server, viewport, size):
    base, token, _ = served
    page = browser.new_context(viewport=viewport).new_page()
    errors = watch_console(page)
    page.goto(f"{base}/notify/u/{token}")
    assert page.locator("h1", has_text="Hi Ana").is_visible()

    page.fill("input[name=url]", "json://127.0.0.1:9/x")
    page.click(".add-channel button[type=submit]")
    page.locator("#url-err").wait_for()
    assert "only be added by the server" in page.locator("#url-err").inner_text()

    page.fill("input[name=url]", f"ntfy://127.0.0.1:{push.port}/ana")
    page.fill("input[name=label]", "Phone")
    page.click(".add-channel button[type=submit]")
    page.locator(".channel", has_text="Phone").wait_for()
    assert f"{push.port}" not in page.locator(".channel").inner_text()        # masked
    page.locator(".channel button", has_text="Send me a test").click()
    page.locator(".channel", has_text="Test message delivered").wait_for(timeout=10000)
    assert push.calls_to("/", "POST")[0].json["topic"] == "ana"

    page.locator("#email-section button", has_text="Send me a test").click()
    page.locator("#email-test", has_text="delivered").wait_for(timeout=10000)
    assert smtp_server.wait_for(1)[0]["To"] == "ana@example.com"
    save_shot(page, f"notify-user-page-{size}")

    page.once("dialog", lambda d: d.accept())
    page.locator(".channel button", has_text="Remove").click()
    page.locator("#channels-section .empty").wait_for()
    assert errors == []


def test_it_lets_the_admin_expand_attempts_and_cancel(served, browser, smtp_server):
    base, _, app = served
    from plexportal.db import db
    from plexportal.notify import service

    smtp_server.stop()
    with app.app_context(), db.connection_context():
        row = service.queue_email("bob@example.com", "Hello Bob", "hi")
    page, _ = signed_in_page(browser, base, DESKTOP)
    page.locator(".navlinks a", has_text="Notifications").click()
    page.wait_for_url(base + "/notify/")
    page.locator(f"#n-{row.id} td[data-label=Attempts] button").click()
    page.locator(f"#attempts-{row.id}", has_text="refused the connection").wait_for()
    page.once("dialog", lambda d: d.accept())
    page.locator(f"#n-{row.id} button", has_text="Cancel").click()
    page.locator(f"#n-{row.id} .badge", has_text="cancelled").wait_for()
    save_shot(page, "notify-outbox-desktop")
