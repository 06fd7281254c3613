"""The settings page in a real browser: htmx save, 422 next to the field, locked values, Generate,
and the desktop nav / phone menu. Screenshots go to tests/e2e/screenshots/."""
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
def served(app_factory, monkeypatch):
    """The app on a real port, with an admin and one environment-locked setting."""
    from werkzeug.serving import make_server

    from plexportal.auth import service

    monkeypatch.setenv("PLEXPORTAL_RADARR_URL", "http://radarr.lan:7878")
    app = app_factory()
    with app.app_context():
        service.create_admin("admin", PASSWORD)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        yield b
        b.close()


def _signed_in_page(browser, base, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "422" not in m.text else None)
    page.goto(base + "/auth/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(base + "/")
    return page, errors


def _shot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"settings-{name}.png"), full_page=True)


def test_it_saves_rejects_and_locks_settings_in_a_browser(served, browser):
    page, errors = _signed_in_page(browser, served, DESKTOP)
    assert page.locator(".navlinks a", has_text="Settings").is_visible()      # desktop nav shown
    page.click(".navlinks a:has-text('Settings')")
    page.wait_for_url(served + "/settings/")

    general = page.locator("#group-General")
    general.locator("#f-SERVER_NAME").fill("Harbour Server")
    general.locator("#f-TIMEZONE").fill("Mars/Olympus")
    general.locator("button[type=submit]").click()
    error = page.locator("#group-General #e-TIMEZONE")
    error.wait_for()
    assert "Unknown time zone" in error.inner_text()
    assert page.locator("#group-General #f-SERVER_NAME").input_value() == "Harbour Server"   # kept
    _shot(page, "desktop-error")

    page.locator("#group-General #f-TIMEZONE").fill("Europe/London")
    page.locator("#group-General button[type=submit]").click()
    page.locator(".toast", has_text="General settings saved").wait_for()
    page.reload()
    assert page.locator(".brand").inner_text().strip() == "Harbour Server"

    radarr = page.locator("#group-Radarr #f-RADARR_URL")
    assert radarr.get_attribute("readonly") is not None
    assert radarr.input_value() == "http://radarr.lan:7878"
    assert page.locator("#group-Radarr .badge", has_text="locked").is_visible()

    page.locator("#group-Security [data-generate='#f-API_KEY']").click()
    key = page.locator("#f-API_KEY").input_value()
    assert len(key) == 64
    page.locator("#group-Security button[type=submit]").click()
    page.locator(".toast", has_text="Security settings saved").wait_for()
    page.reload()
    assert key not in page.content()
    assert "••••••••" + key[-4:] in page.locator("#f-API_KEY").get_attribute("placeholder")
    _shot(page, "desktop")
    assert errors == []


def test_it_collapses_the_nav_into_a_menu_on_a_phone(served, browser):
    page, errors = _signed_in_page(browser, served, PHONE)
    links = page.locator(".navlinks a", has_text="Settings")
    assert not links.is_visible()
    page.click(".navmenu > summary")
    assert links.is_visible()
    _shot(page, "phone-menu")
    links.click()
    page.wait_for_url(served + "/settings/")
    assert page.locator(".navlinks a[aria-current=page]", has_text="Settings").count() == 1
    _shot(page, "phone")
    assert errors == []
