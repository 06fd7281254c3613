"""The whole join flow in Chromium against the fake plex.tv: an admin makes a link, a visitor opens
it, signs in with Plex (popup on desktop, same-tab redirect on a phone), approves the PIN on the
fake app.plex.tv, and lands on the welcome page with the share accepted. Screenshots go to
tests/e2e/screenshots/."""
from __future__ import annotations

import pytest

from plexportal import create_app
from plexportal.config import Config
from tests.e2e.inprocess import DESKTOP, PHONE, save_shot, signed_in_page
from tests.fakes.plextv import ADMIN_TOKEN, FakePlexTV, FakePlexWithLibraries

pytestmark = pytest.mark.e2e


@pytest.fixture
def stack(serve, tmp_path):
    """plexportal served on 127.0.0.1 (real HTTP, immediate queue) plus the fake plex.tv and Plex."""
    plextv = FakePlexTV().start()
    plextv.add_account(42, "friend", "friend@example.com", "friend-token")
    pms = FakePlexWithLibraries(token=ADMIN_TOKEN).start()
    app = create_app(Config(data_dir=tmp_path, secret_key="e2e-secret", testing=True, huey_immediate=True))
    with app.app_context():
        from plexportal.auth import service as auth
        from plexportal.cli import upgrade
        from plexportal.invites import provisioning, service
        from plexportal.settings import service as settings

        upgrade()
        auth.create_admin("admin", "correct horse battery", "admin@example.com")
        settings.set_many({"PLEX_URL": pms.url, "PLEX_TOKEN": ADMIN_TOKEN, "PLEX_TV_URL": plextv.url,
                           "PLEX_CLIENTS_URL": plextv.url, "PLEX_APP_URL": plextv.url,
                           "SERVER_NAME": "Harbour Server", "INVITES_REQUEST_URL": "https://requests.example.com"})
        provisioning.refresh_libraries()
        invite = service.create_invite({"label": "Cousins", "libraries": [1001, 1002], "max_uses": 2})
        code = invite.code
    yield {"url": serve(app), "code": code, "plextv": plextv, "app": app}
    plextv.stop()
    pms.stop()


def _state(stack):
    with stack["app"].app_context():
        from plexportal.invites.models import Access, Redemption

        r = Redemption.get()
        return r.state, r.via, Access.get_or_none(Access.plex_user_id == 42)


def test_it_joins_on_a_phone_through_the_same_tab(stack, browser):
    ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                              user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148")
    page = ctx.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{stack['url']}/join/{stack['code'].lower()}")
    page.get_by_role("heading", name="You're invited to Harbour Server").wait_for()
    assert page.get_by_text("Movies").is_visible() and page.get_by_text("TV Shows").is_visible()
    save_shot(page, "invites-join-phone")
    page.get_by_role("button", name="Sign in with Plex").click()
    page.get_by_role("button", name="Approve").wait_for()            # the fake app.plex.tv, same tab
    assert "/auth" in page.url and "forwardUrl=" in page.url
    save_shot(page, "invites-plex-auth-phone")
    page.get_by_role("button", name="Approve").click()
    page.get_by_role("heading", name="You're in!").wait_for(timeout=15000)
    assert page.url.endswith(f"/join/{stack['code']}/status")
    assert page.get_by_text("How to watch").is_visible()
    assert page.get_by_role("link", name="https://requests.example.com").is_visible()
    save_shot(page, "invites-welcome-phone")
    state, via, access = _state(stack)
    assert (state, via) == ("active", "plex") and access is not None and access.libraries == [1001, 1002]
    [accept] = stack["plextv"].calls_to("/api/v2/shared_servers/", "POST")
    assert accept.path.endswith("/accept")
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_it_joins_on_a_desktop_through_a_popup(stack, browser):
    ctx = browser.new_context(viewport=DESKTOP)
    page = ctx.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{stack['url']}/join/{stack['code']}")
    save_shot(page, "invites-join-desktop")
    with page.expect_popup() as popup_info:
        page.get_by_role("button", name="Sign in with Plex").click()
    popup = popup_info.value
    popup.get_by_role("button", name="Approve").wait_for()
    assert "forwardUrl" not in popup.url
    page.get_by_text("Finish signing in in the Plex window").wait_for()
    save_shot(page, "invites-waiting-desktop")
    popup.get_by_role("button", name="Approve").click()
    page.get_by_role("heading", name="You're in!").wait_for(timeout=15000)
    save_shot(page, "invites-welcome-desktop")
    assert _state(stack)[:2] == ("active", "plex")
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_it_takes_a_typed_username_on_a_phone(stack, browser):
    page = browser.new_context(viewport=PHONE, is_mobile=True).new_page()
    page.goto(f"{stack['url']}/join/{stack['code']}")
    page.get_by_text("Or type your Plex username or email").click()
    page.get_by_label("Plex username or email").fill("not valid!")
    page.get_by_role("button", name="Send me the invitation").click()
    page.get_by_text("Enter your Plex username").wait_for()
    save_shot(page, "invites-join-error-phone")
    page.get_by_label("Plex username or email").fill("friend@example.com")
    page.get_by_role("button", name="Send me the invitation").click()
    page.get_by_role("heading", name="Almost there!").wait_for()
    save_shot(page, "invites-invited-phone")
    assert _state(stack)[:2] == ("invited", "form")


def test_it_walks_the_admin_pages(stack, browser):
    from tests.fakes.plextv import FakeShare

    stack["plextv"].add_account(43, "aunt", "aunt@example.com", "aunt-token")
    stack["plextv"].shares[950] = FakeShare(950, 43, stack["plextv"].machine_id, [1001], pending=False,
                                            last_seen_at=1_700_000_000)
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page, _ = signed_in_page(browser, stack["url"], viewport, password="correct horse battery")
        page.goto(f"{stack['url']}/invites/new")
        page.get_by_label("Label", exact=True).fill(f"Friends {name}")
        page.get_by_label("Number of uses").fill("lots")
        page.get_by_role("button", name="Create invite").click()
        page.get_by_text("Enter a whole number of uses").wait_for()
        save_shot(page, f"invites-admin-new-error-{name}")
        page.get_by_label("Number of uses").fill("5")
        page.get_by_label("Link expires").fill("14d")
        page.get_by_role("button", name="Create invite").click()
        page.get_by_text("Invite created").wait_for()
        assert page.locator("img.qr").evaluate("img => img.naturalWidth") > 100
        save_shot(page, f"invites-admin-invite-{name}")
        page.goto(f"{stack['url']}/invites")
        save_shot(page, f"invites-admin-invites-{name}")
        page.goto(f"{stack['url']}/users")
        if name == "desktop":
            page.get_by_role("button", name="Sync from plex.tv").click()
            page.get_by_role("link", name="aunt").wait_for()
        save_shot(page, f"invites-admin-users-{name}")
        page.get_by_role("link", name="aunt").click()
        page.get_by_role("heading", name="Libraries and permissions").wait_for()
        save_shot(page, f"invites-admin-user-{name}")
        if name == "desktop":
            page.once("dialog", lambda d: d.accept())
            page.get_by_role("button", name="Suspend").click()
            page.get_by_role("button", name="Restore access").wait_for()
            assert stack["plextv"].share_of(43) is None
            page.get_by_role("button", name="Restore access").click()
            page.get_by_role("button", name="Suspend").wait_for()
            assert stack["plextv"].share_of(43).section_ids == [1001]
        page.goto(f"{stack['url']}/")
        page.get_by_text("people with access").wait_for()
        save_shot(page, f"invites-admin-dashboard-{name}")


def test_it_lets_a_desktop_visitor_start_again_after_closing_the_plex_window(stack, browser):
    page = browser.new_context(viewport=DESKTOP).new_page()
    page.goto(f"{stack['url']}/join/{stack['code']}")
    button = page.get_by_role("button", name="Sign in with Plex")
    with page.expect_popup() as popup_info:
        button.click()
    popup = popup_info.value
    popup.get_by_role("button", name="Approve").wait_for()
    assert button.is_disabled()
    popup.close()
    page.get_by_text("The Plex window was closed").wait_for(timeout=15000)
    assert button.is_enabled()
    save_shot(page, "invites-popup-closed-desktop")
    with stack["app"].app_context():
        from plexportal.invites.models import Redemption

        assert Redemption.select().count() == 0
