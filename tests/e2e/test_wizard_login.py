"""A newcomer's first visit in a real browser: the setup wizard, a Test connection against a
running fake Sonarr, then signing out and in. Runs on a phone and a desktop viewport."""
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def open_menu(page):
    """On a phone the nav is folded into a Menu button; on a desktop it is always shown."""
    menu = page.locator("details.navmenu")
    if menu.get_attribute("open") is None and not page.get_by_role("button", name="Sign out").is_visible():
        page.locator("details.navmenu > summary").click()


def test_it_walks_a_newcomer_through_setup_and_sign_in(live_server, fake_sonarr, page, shot):
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/settings/setup$"))
    expect(page.get_by_role("heading", name="Welcome to plexportal")).to_be_visible()
    shot("wizard-admin")

    # A mistyped confirmation is refused next to the field; what was typed stays.
    page.get_by_label("User name").fill("admin")
    page.locator("#email").fill("owner@example.com")
    page.locator("#password").fill(PASSWORD)
    page.locator("#confirm").fill(PASSWORD + "x")
    page.get_by_role("button", name="Create admin").click()
    expect(page.locator("#admin-form .field-error")).to_have_text("The passwords differ.")
    expect(page.get_by_label("User name")).to_have_value("admin")
    expect(page.locator("#confirm")).to_have_attribute("aria-invalid", "true")
    shot("wizard-admin-error")

    page.locator("#password").fill(PASSWORD)
    page.locator("#confirm").fill(PASSWORD)
    page.get_by_role("button", name="Create admin").click()
    expect(page).to_have_url(re.compile(r"/settings/setup/Seerr$"))
    expect(page.get_by_role("heading", name="Connect Seerr")).to_be_visible()

    page.get_by_role("link", name="Skip for now").click()
    expect(page.get_by_role("heading", name="Connect Sonarr")).to_be_visible()
    page.get_by_label("Sonarr URL").fill(fake_sonarr.url)

    # A wrong key: the reason Sonarr gave, in words.
    page.get_by_label("Sonarr API key").fill("not-the-key")
    page.get_by_role("button", name="Test connection").click()
    result = page.locator("#check-result")
    expect(result).to_contain_text("failed")
    expect(result).to_contain_text("rejected the credentials (401)")
    shot("sonarr-wrong-key")
    assert fake_sonarr.calls_to("/api/v3/system/status")[-1].headers["X-Api-Key"] == "not-the-key"

    page.get_by_label("Sonarr API key").fill(fake_sonarr.api_key)
    page.get_by_role("button", name="Test connection").click()
    expect(result).to_contain_text("Connected to Sonarr 4.0.19.2979")
    shot("sonarr-connected")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name="Connect Radarr")).to_be_visible()

    for step in ("Connect Radarr", "Connect Plex", "Connect Jellyfin", "Connect Email", "Name your server",
                 "Public address and time zone", "The webhook secret"):
        expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(step, re.IGNORECASE))
        page.get_by_role("link", name="Skip for now").click()
    expect(page.get_by_role("heading", name="You're set up")).to_be_visible()
    done = page.locator("main ul.service-list, main ul.plain").first
    expect(done.locator("li", has_text="Sonarr")).to_contain_text("connected")
    expect(done.locator("li", has_text="Radarr")).to_contain_text("skipped")
    shot("wizard-done")

    page.get_by_role("button", name="Go to the dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    expect(page.locator("main")).to_contain_text("Sonarr")
    shot("dashboard")

    open_menu(page)
    shot("menu-open")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/auth/login"))
    expect(page.locator("main")).to_contain_text("You are signed out.")

    # Signed out means signed out: the dashboard and the (now locked) wizard send to sign-in.
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/auth/login"))
    page.goto(live_server.url + "/settings/setup")
    expect(page).to_have_url(re.compile(r"/auth/login"))

    page.get_by_label("User name").fill("admin")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("That user name and password do not match.")
    expect(page).to_have_url(re.compile(r"/auth/login"))
    shot("login-wrong-password")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()

    # What the wizard stored is in Settings: the admin's email for alerts, Sonarr's URL.
    page.goto(live_server.url + "/settings/")
    expect(page.locator("#f-ADMIN_EMAIL")).to_have_value("owner@example.com")
    expect(page.locator("#f-SONARR_URL")).to_have_value(fake_sonarr.url)


def test_it_signs_in_with_the_helper_to_a_prepared_server(live_server_factory, page, shot):
    server = live_server_factory(admin=True, settings={"SERVER_NAME": "Family Plex"})
    sign_in(page, server)
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    expect(page.locator("header.topbar")).to_contain_text("Family Plex")
    shot("dashboard-prepared")
