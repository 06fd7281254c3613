"""The People page, a person's timeline and merging two people in Chromium, at phone and desktop
size. Screenshots go to tests/e2e/screenshots/people-*.png: look at them."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.inprocess import DESKTOP, PHONE, save_shot, signed_in_page

pytestmark = [pytest.mark.e2e, pytest.mark.sqlite_only]
SIZES = {"phone": PHONE, "desktop": DESKTOP}


@pytest.fixture
def served(serve, app_factory):
    from plexportal.auth import service
    from plexportal.invites import service as invites
    from plexportal.invites.models import Access, PlexLibrary, Redemption
    from plexportal.media import matching
    from plexportal.notify.models import Notification
    from plexportal.people import service as people
    from plexportal.settings import service as settings

    app = app_factory()
    with app.app_context():
        service.create_admin("admin", PASSWORD)
        settings.set_many({"PLEX_SERVER_NAME": "Harbour Server"})
        for n, title in ((1001, "Movies"), (1002, "TV Shows")):
            PlexLibrary.create(section_id=n, key=str(n - 1000), title=title)
        alice = people.find_or_create_person("plex", plex_user_id=1, email="alice@example.com", username="alice")
        Access.create(plex_user_id=1, user=alice, title="alice", pending=False, libraries=[1001, 1002])
        matching.upsert_request(seerr_request_id=4, media_type="tv", status="available", user=alice,
                                title="Severance")
        Notification.create(user=alice, kind="media.ready", subject="Severance S02E01 is ready", status="sent")
        people.find_or_create_person("seerr", seerr_user_id=5, email="sam@example.com", display_name="Sam Seerr")
        wren = people.find_or_create_person("invite", email="wren@example.com")
        invite = invites.create_invite({"label": "Cousins", "libraries": [1001], "access_days": 30})
        Redemption.create(invite=invite, account_key="name:wren@example.com", identifier="wren@example.com",
                          email="wren@example.com", user=wren, state="invited", terms=invites.terms_of(invite))
        old = people.find_or_create_person("seerr", seerr_user_id=9, email="alice.old@example.com",
                                           display_name="Alice (old Seerr)")
        for n in range(60):
            people.find_or_create_person("seerr", seerr_user_id=100 + n, email=f"viewer{n:02d}@example.com",
                                         display_name=f"Viewer {n:02d}")
        ids = {"alice": alice.id, "wren": wren.id, "old": old.id}
    yield serve(app), ids


@pytest.mark.parametrize("size", list(SIZES))
def test_the_people_page_filters_searches_and_pages(served, browser, size):
    base, _ids = served
    page, errors = signed_in_page(browser, base, SIZES[size])
    page.goto(base + "/people/")
    expect(page.get_by_role("heading", name="People")).to_be_visible()
    expect(page.locator(".brand, header").first).to_contain_text("Harbour Server")
    expect(page.get_by_role("link", name="Everyone (64)")).to_be_visible()
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    save_shot(page, f"people-list-{size}")
    page.get_by_role("searchbox", name="Search people").fill("sam@")
    expect(page.locator("table.people tbody tr")).to_have_count(1)
    row = page.locator("table.people tbody tr").first
    expect(row).to_contain_text("Sam Seerr")
    expect(row).to_contain_text("Known from Seerr")
    expect(page).to_have_url(base + "/people/?show=all&q=sam%40")
    save_shot(page, f"people-search-{size}")
    page.goto(base + "/people/")
    page.get_by_role("link", name="Invited, waiting (1)").click()
    expect(page.locator("table.people tbody tr")).to_have_count(1)
    expect(page.locator("table.people tbody tr").first).to_contain_text("wren")
    if size == "phone":
        # Stacked cards: the table is no wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert errors == []


@pytest.mark.parametrize("size", list(SIZES))
def test_a_persons_timeline_and_a_waiting_invite(served, browser, size):
    base, ids = served
    page, errors = signed_in_page(browser, base, SIZES[size])
    page.goto(f"{base}/people/{ids['alice']}")
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("Requested Severance")
    expect(timeline).to_contain_text("Email: Severance S02E01 is ready")
    expect(timeline).to_contain_text("Plex access for alice: Movies, TV Shows")
    save_shot(page, f"people-timeline-{size}")
    page.goto(f"{base}/people/{ids['wren']}")
    terms = page.locator("#invite-terms")
    expect(terms).to_contain_text("Movies")
    expect(terms).not_to_contain_text("TV Shows")
    expect(terms).to_contain_text("30 days after accepting")
    expect(page.get_by_role("button", name="Save on plex.tv")).to_have_count(0)
    save_shot(page, f"people-waiting-{size}")
    assert errors == []


@pytest.mark.parametrize("size", list(SIZES))
def test_merging_two_people_after_confirming(served, browser, size):
    base, ids = served
    page, errors = signed_in_page(browser, base, SIZES[size])
    page.goto(f"{base}/people/{ids['alice']}")
    page.get_by_label("The other person: #number or email").fill(f"#{ids['alice']}")
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Merge into alice").click()
    expect(page.locator("#toasts")).to_contain_text("cannot be merged with themselves")
    page.get_by_label("The other person: #number or email").fill(f"#{ids['old']}")
    messages = []

    def answer(dialog):
        messages.append(dialog.message)
        dialog.accept()
    page.once("dialog", answer)
    page.get_by_role("button", name="Merge into alice").click()
    expect(page.locator(".notice-ok")).to_contain_text("Merged #")
    assert "cannot be undone" in messages[0]
    expect(page.locator("ol.timeline")).to_contain_text("by hand")
    expect(page.get_by_role("heading", level=1)).to_contain_text("alice")      # keeps the name shown
    expect(page.locator("ol.timeline")).not_to_contain_text("Plex access of alice changed")
    expect(page.locator(".facts")).to_contain_text("alice.old@example.com")
    save_shot(page, f"people-merged-{size}")
    page.goto(f"{base}/people/{ids['old']}")
    expect(page.get_by_role("heading", name="Not found", exact=False)).to_be_visible()
    assert [e for e in errors if "404" not in e] == []
