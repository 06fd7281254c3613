"""The sign-in page in German on a 360 px phone, with the Plex button and a maintenance banner:
friends reach their page through it, and German words are long."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.e2e.inprocess import save_shot, watch_console
from tests.e2e.test_phone_overflow import OVERFLOW

pytestmark = pytest.mark.e2e

PHONE_360 = {"width": 360, "height": 740}


def test_the_sign_in_page_in_german_fits_a_360_px_phone(app, db, admin, set_settings, browser, serve):
    from plexportal.health import maintenance
    from plexportal.lib import clock

    set_settings(SERVER_NAME="Familienmediathek", PLEX_SIGNIN="1", PLEX_TOKEN="tok", TIMEZONE="Europe/Berlin")
    maintenance.create_window(clock.now() + timedelta(hours=2), clock.now() + timedelta(hours=3), "Neue Festplatten")
    base = serve(app)
    context = browser.new_context(viewport=PHONE_360, locale="de-DE", is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    page = context.new_page()
    errors = watch_console(page)
    page.goto(f"{base}/auth/login")
    assert page.locator("h1").inner_text() == "Anmelden"
    assert page.locator("#plex-signin-btn").inner_text() == "Mit Plex anmelden"
    assert "Geplante Wartung" in page.locator(".banner").inner_text()
    got = page.evaluate(OVERFLOW)
    assert got["scroll"] <= got["width"], f"the sign-in page scrolls sideways: {got}"
    save_shot(page, "signin-de-360")
    assert not errors
    context.close()
