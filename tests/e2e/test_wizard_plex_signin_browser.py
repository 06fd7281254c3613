"""The wizard's Plex step in Chromium: **Sign in with Plex** (the join page's PIN flow, against the
fake plex.tv: a popup on a desktop, the same tab on a phone), then the owner picks one of their
servers and the step shows as done. Screenshots: wizard-plex-signin-*.png."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.inprocess import DESKTOP, save_shot, sign_in_at, watch_console
from tests.fakes.plextv import ADMIN_TOKEN, FakePlexTV, FakePlexWithLibraries

pytestmark = [pytest.mark.e2e, pytest.mark.sqlite_only]
NARROW_PHONE = {"width": 360, "height": 780}


@pytest.fixture
def stack(serve, app_factory):
    plextv = FakePlexTV().start()
    pms = FakePlexWithLibraries(token=ADMIN_TOKEN).start()
    plextv.server_uri = pms.url                           # the owner's server, as plex.tv lists it
    plextv.other_servers = [("Cabin", "machine-cabin", "http://127.0.0.1:9")]
    app = app_factory()
    with app.app_context():
        from plexportal.auth import service
        from plexportal.settings import service as settings

        service.create_admin("admin", PASSWORD)
        settings.set_many({"PLEX_TV_URL": plextv.url, "PLEX_CLIENTS_URL": plextv.url, "PLEX_APP_URL": plextv.url})
    yield {"url": serve(app), "plextv": plextv, "pms": pms, "app": app}
    pms.stop()
    plextv.stop()


def _context(browser, size):
    if size == "phone":
        return browser.new_context(viewport=NARROW_PHONE, is_mobile=True, has_touch=True,
                                   user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148")
    return browser.new_context(viewport=DESKTOP)


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_owner_signs_in_with_plex_picks_their_server_and_the_step_is_done(stack, browser, size):
    base = stack["url"]
    context = _context(browser, size)
    page = context.new_page()
    errors = watch_console(page)
    sign_in_at(page, base)

    page.goto(base + "/settings/setup/Plex")
    expect(page.locator("ol.steps li.done", has_text="Plex")).to_have_count(0)
    expect(page.locator(".wizard-count")).not_to_contain_text("done")
    save_shot(page, f"wizard-plex-signin-step-{size}")
    if size == "desktop":
        with page.expect_popup() as popup_info:
            page.get_by_role("button", name="Sign in with Plex").click()
        plex_page = popup_info.value                      # the fake app.plex.tv in a popup
    else:
        page.get_by_role("button", name="Sign in with Plex").click()
        plex_page = page                                  # a phone goes there in the same tab
    plex_page.get_by_role("button", name="Approve").wait_for()
    assert ("forwardUrl=" in plex_page.url) is (size == "phone")      # a popup is watched, a tab comes back
    plex_page.goto(plex_page.url.replace("/auth#", "/auth?as=admin#"))    # the fake approves as the owner
    plex_page.get_by_role("button", name="Approve").click()

    expect(page.get_by_role("heading", name="Choose your Plex server")).to_be_visible(timeout=15000)
    assert page.url == base + "/settings/setup/Plex/servers"
    choices = page.locator("fieldset.server-choice label")
    expect(choices).to_have_count(2)
    expect(choices.nth(0)).to_contain_text("Harbour Server")
    expect(choices.nth(1)).to_contain_text("Cabin")
    assert ADMIN_TOKEN not in page.content()              # the owner's token never reaches the page
    save_shot(page, f"wizard-plex-signin-servers-{size}")
    page.get_by_role("button", name="Use this server").click()

    expect(page.get_by_role("heading", name="Connect Jellyfin")).to_be_visible(timeout=15000)
    expect(page.get_by_text("Connected to Harbour Server")).to_be_visible()
    expect(page.locator("ol.steps li.done", has_text="Plex")).to_have_count(1)       # ticked in the steps
    save_shot(page, f"wizard-plex-signin-connected-{size}")

    page.goto(base + "/settings/setup/Plex")               # reopened: the step says it is done
    expect(page.locator("ol.steps li.current", has_text="Plex")).to_contain_text("(done)")
    if size == "phone":                                  # the pills fold into one line on a phone
        expect(page.locator(".wizard-count")).to_be_visible()
        expect(page.locator(".wizard-count")).to_contain_text("Step 5 of 10 · ✓ done")
    else:
        expect(page.locator("ol.steps li.current", has_text="Plex")).to_be_visible()
        expect(page.locator("ol.steps li.current", has_text="Plex")).to_contain_text("✓")
    save_shot(page, f"wizard-plex-signin-done-{size}")
    with stack["app"].app_context():
        from plexportal.settings import service as settings

        assert (settings.get("PLEX_URL"), settings.get("PLEX_TOKEN")) == (stack["pms"].url, ADMIN_TOKEN)
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= (NARROW_PHONE if size == "phone" else DESKTOP)["width"]      # nothing runs off the side
    assert not [e for e in errors if "Content Security Policy" in e or "Uncaught" in e], errors
    context.close()
