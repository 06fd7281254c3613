"""The wizard's closing steps in Chromium (phone and desktop): the server's name from Plex, the
address and time zone from the browser, a generated webhook secret with copy buttons and the
addresses to paste, and the closing page in the right order. Screenshots: wizard-steps-*.png."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.inprocess import DESKTOP, PHONE, save_shot, sign_in_at, watch_console

pytestmark = [pytest.mark.e2e, pytest.mark.sqlite_only]
SIZES = {"phone": PHONE, "desktop": DESKTOP}


@pytest.fixture
def served(serve, app_factory):
    from plexportal.auth import service
    from plexportal.settings import service as settings

    app = app_factory()
    with app.app_context():
        service.create_admin("admin", PASSWORD)
        settings.set_many({"PLEX_SERVER_NAME": "Harbour Server"})        # what Plex reported
    yield serve(app)


@pytest.mark.parametrize("size", list(SIZES))
def test_the_closing_steps_propose_name_address_time_zone_and_a_secret(served, browser, size):
    base = served
    context = browser.new_context(viewport=SIZES[size], timezone_id="Europe/Amsterdam",
                                  permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    errors = watch_console(page)
    sign_in_at(page, base)

    page.goto(base + "/settings/setup/Server")
    expect(page.get_by_role("heading", name="Name your server")).to_be_visible()
    expect(page.locator("#f-SERVER_NAME")).to_have_value("Harbour Server")
    save_shot(page, f"wizard-steps-server-{size}")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", name="Public address and time zone")).to_be_visible()
    expect(page.locator("#f-BASE_URL")).to_have_value(base)
    expect(page.locator("#f-TIMEZONE")).to_have_value("Europe/Amsterdam")      # from this browser
    save_shot(page, f"wizard-steps-address-{size}")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", name="The webhook secret")).to_be_visible()
    secret = page.locator("#f-WEBHOOK_SECRET")
    expect(secret).to_have_attribute("type", "text")
    expect(secret).to_have_value(__import__("re").compile(r"^[0-9a-f]{64}$"))
    expect(page.locator("#hook-1")).to_have_value(base + "/webhooks/sonarr")
    expect(page.locator("#hook-3")).to_have_value(base + "/webhooks/seerr")
    page.locator("[data-copy-from='#hook-1']").click()
    assert page.evaluate("navigator.clipboard.readText()") == base + "/webhooks/sonarr"
    generated = secret.input_value()
    save_shot(page, f"wizard-steps-webhooks-{size}")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", name="You're set up")).to_be_visible()
    steps = page.locator("ol.next-steps > li")
    expect(steps.nth(0)).to_contain_text("The webhook secret is set.")
    expect(steps.nth(1)).to_contain_text("Then point")
    expect(steps.nth(1)).to_contain_text(base + "/webhooks/radarr")
    save_shot(page, f"wizard-steps-done-{size}")

    # Opened again, the finished steps are ticked and the stored secret is not shown.
    page.goto(base + "/settings/setup/Webhooks")
    expect(page.locator("ol.steps li.done", has_text="Server")).to_have_count(1)
    expect(page.locator("ol.steps li.done", has_text="Address")).to_have_count(1)
    expect(page.locator("#f-WEBHOOK_SECRET")).to_have_value("")
    assert generated not in page.content()
    assert errors == []
    context.close()
