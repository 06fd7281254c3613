"""The settings page in a real browser: htmx save, 422 next to the field, locked values, Generate,
and the desktop nav / phone menu. Screenshots go to tests/e2e/screenshots/."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.e2e.inprocess import DESKTOP, PHONE, save_shot, signed_in_page

pytestmark = [pytest.mark.e2e, pytest.mark.sqlite_only]


@pytest.fixture
def served(serve, app_factory, monkeypatch):
    """The app on a real port, with an admin and one environment-locked setting."""
    from plexportal.auth import service

    monkeypatch.setenv("PLEXPORTAL_RADARR_URL", "http://radarr.lan:7878")
    app = app_factory()
    with app.app_context():
        service.create_admin("admin", PASSWORD)
    yield serve(app)


def test_it_saves_rejects_and_locks_settings_in_a_browser(served, browser):
    page, errors = signed_in_page(browser, served, DESKTOP)
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
    save_shot(page, "settings-desktop-error")

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
    save_shot(page, "settings-desktop")
    assert errors == []


def test_it_collapses_the_nav_into_a_menu_on_a_phone(served, browser):
    page, errors = signed_in_page(browser, served, PHONE)
    links = page.locator(".navlinks a", has_text="Settings")
    assert not links.is_visible()
    page.click(".navmenu > summary")
    assert links.is_visible()
    save_shot(page, "settings-phone-menu")
    links.click()
    page.wait_for_url(served + "/settings/")
    assert page.locator(".navlinks a[aria-current=page]", has_text="Settings").count() == 1
    save_shot(page, "settings-phone")
    assert errors == []
