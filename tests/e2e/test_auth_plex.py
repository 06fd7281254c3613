"""Sign in with Plex on the sign-in page in Chromium, against the fake plex.tv: a person the server
is shared with lands on their own page (same tab on a phone, popup on a desktop), the owner lands
on the dashboard, and a stranger is refused with a sentence."""
from __future__ import annotations

import pytest

from plexportal import create_app
from plexportal.config import Config
from tests.e2e.inprocess import DESKTOP, PHONE, save_shot, watch_console
from tests.fakes.plextv import ADMIN_TOKEN, FakePlexTV

pytestmark = pytest.mark.e2e


@pytest.fixture
def stack(serve, tmp_path):
    plextv = FakePlexTV().start()
    plextv.add_account(42, "friend", "friend@example.com", "friend-token")
    plextv.add_account(77, "stranger", "stranger@example.com", "stranger-token")
    app = create_app(Config(data_dir=tmp_path, secret_key="e2e-secret", testing=True, huey_immediate=True))
    with app.app_context():
        from plexportal.auth import service as auth
        from plexportal.cli import upgrade
        from plexportal.invites.models import Access
        from plexportal.settings import service as settings

        upgrade()
        auth.create_admin("admin", "correct horse battery", "admin@example.com")
        settings.set_many({"PLEX_TOKEN": ADMIN_TOKEN, "PLEX_TV_URL": plextv.url, "PLEX_CLIENTS_URL": plextv.url,
                           "PLEX_APP_URL": plextv.url, "SERVER_NAME": "Harbour Server"})
        Access.create(plex_user_id=42, username="friend", email="friend@example.com", title="friend", status="active")
    yield {"url": serve(app), "plextv": plextv}
    plextv.stop()


def _phone(browser):
    return browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                               user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148").new_page()


def test_it_brings_a_person_to_their_page_on_a_phone(stack, browser):
    page = _phone(browser)
    errors = watch_console(page)
    page.goto(stack["url"] + "/auth/login")
    save_shot(page, "auth-plex-login-phone")
    page.get_by_role("button", name="Sign in with Plex").click()
    page.get_by_role("button", name="Approve").wait_for()                 # the fake app.plex.tv, same tab
    assert "forwardUrl=" in page.url
    page.goto(page.url.replace("/auth#", "/auth?as=friend#"))
    page.get_by_role("button", name="Approve").click()
    page.get_by_role("heading", name="Hi friend").wait_for(timeout=15000)
    assert page.url.endswith("/notify/me")
    save_shot(page, "auth-plex-person-page-phone")
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url(stack["url"] + "/auth/login")
    assert not [e for e in errors if "Content Security Policy" in e or "Uncaught" in e], errors


def test_it_brings_a_person_to_their_page_from_a_desktop_popup(stack, browser):
    page = browser.new_context(viewport=DESKTOP).new_page()
    errors = watch_console(page)
    page.goto(stack["url"] + "/auth/login")
    with page.expect_popup() as popup_info:
        page.get_by_role("button", name="Sign in with Plex").click()
    popup = popup_info.value
    popup.get_by_role("button", name="Approve").wait_for()
    popup.get_by_role("button", name="Approve").click()
    page.get_by_role("heading", name="Hi friend").wait_for(timeout=15000)
    save_shot(page, "auth-plex-person-page-desktop")
    assert not [e for e in errors if "Content Security Policy" in e or "Uncaught" in e], errors


def test_it_signs_the_owner_in_and_refuses_a_stranger(stack, browser):
    for who, viewport in (("admin", DESKTOP), ("stranger", PHONE)):
        page = (browser.new_context(viewport=viewport).new_page() if viewport is DESKTOP else _phone(browser))
        page.goto(stack["url"] + "/auth/login")
        if viewport is DESKTOP:
            with page.expect_popup() as popup_info:
                page.get_by_role("button", name="Sign in with Plex").click()
            popup = popup_info.value
            popup.get_by_role("button", name="Approve").wait_for()      # the popup has reached the fake Plex
            popup.goto(popup.url.replace("/auth#", f"/auth?as={who}#"))
            popup.get_by_role("button", name="Approve").click()
        else:
            page.get_by_role("button", name="Sign in with Plex").click()
            page.get_by_role("button", name="Approve").wait_for()
            page.goto(page.url.replace("/auth#", f"/auth?as={who}#"))
            page.get_by_role("button", name="Approve").click()
        if who == "admin":
            page.get_by_role("heading", name="Recent activity").wait_for(timeout=15000)
            save_shot(page, "auth-plex-owner-dashboard-desktop")
        else:
            page.get_by_text("has no access to this server").wait_for(timeout=15000)
            assert page.url.endswith("/auth/login")
            save_shot(page, "auth-plex-stranger-refused-phone")
