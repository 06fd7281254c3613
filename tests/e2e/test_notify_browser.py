"""A person's page and the Notifications page in Chromium: add a channel, send a test that really
arrives, remove it (after confirming); the admin expands attempts and cancels a waiting message.
Screenshots go to tests/e2e/screenshots/."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.sqlite_only]

SHOTS = Path(__file__).parent / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def served(app_factory, smtp_server):
    from werkzeug.serving import make_server

    from plexportal.auth import service
    from plexportal.auth.models import User
    from plexportal.notify import links
    from plexportal.settings import service as settings

    app = app_factory()
    with app.app_context():
        service.create_admin("admin", PASSWORD)
        settings.set_many({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_server.port), "SMTP_SECURITY": "none",
                           "SMTP_FROM": "portal@example.com", "SERVER_NAME": "Harbour Server"})
        ana = User.create(username="ana", email="ana@example.com", display_name="Ana")
        token = links.make_token(ana)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", token, app
    server.shutdown()
    server.server_close()


@pytest.fixture
def push():
    from tests.fakes.push import FakePush

    fake = FakePush().start()
    yield fake
    fake.stop()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        yield b
        b.close()


def _shot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"notify-{name}.png"), full_page=True)


@pytest.mark.parametrize("viewport,size", [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_it_adds_tests_and_removes_a_channel_on_the_users_page(served, browser, push, smtp_server, viewport, size):
    base, token, _ = served
    page = browser.new_context(viewport=viewport).new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "422" not in m.text else None)
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
    _shot(page, f"user-page-{size}")

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
    page = browser.new_context(viewport=DESKTOP).new_page()
    page.goto(base + "/auth/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(base + "/")
    page.locator(".navlinks a", has_text="Notifications").click()
    page.wait_for_url(base + "/notify/")
    page.locator(f"#n-{row.id} td[data-label=Attempts] button").click()
    page.locator(f"#attempts-{row.id}", has_text="refused the connection").wait_for()
    page.once("dialog", lambda d: d.accept())
    page.locator(f"#n-{row.id} button", has_text="Cancel").click()
    page.locator(f"#n-{row.id} .badge", has_text="cancelled").wait_for()
    _shot(page, "outbox-desktop")
