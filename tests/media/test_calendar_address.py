"""Replacing a person's private calendar address from their page or the admin's view of it."""
import html
import re

import icalendar
import pytest

from plexportal.admin.models import AuditEntry
from plexportal.auth.models import User
from plexportal.media import calendar
from plexportal.media.models import CalendarFeed
from plexportal.notify import links
from tests.conftest import Browserless
from tests.media.test_calendar import library  # noqa: F401 - the fixture


def shown_address(page: str) -> str:
    m = re.search(r'<a href="([^"]+)" class="ical-url">', page)
    assert m, "no calendar address on the page"
    return html.unescape(m.group(1))


def feed_path(address: str) -> str:
    return address[address.index("/monitors/ical/"):]


def form_token(page: str) -> str:
    return html.unescape(re.search(r'<input type="hidden" name="token" value="([^"]+)">', page).group(1))


@pytest.fixture
def alice_page(library, client):
    calendar.refresh()
    web = Browserless(client)
    page = web.get("/notify/u/" + links.make_token(library["alice"])).get_data(as_text=True)
    return web, page


def test_a_person_replaces_their_address_and_the_old_one_stops_working(library, client, alice_page):
    web, page = alice_page
    old = feed_path(shown_address(page))
    assert "New address" in page and "hx-confirm=" in page
    assert client.get(old).status_code == 200

    r = web.post("/monitors/ical/new", data={"token": form_token(page)}, htmx=True)
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "New calendar address made: the old one no longer works." in body
    new = feed_path(shown_address(body))
    assert new != old
    assert client.get(old).status_code == 404
    served = client.get(new)
    assert served.status_code == 200
    [event] = icalendar.Calendar.from_ical(served.get_data()).walk("VEVENT")
    assert str(event["SUMMARY"]).startswith("The Example Show S01E02")
    # the page itself shows the new address from now on
    again = web.get("/notify/u/" + links.make_token(library["alice"])).get_data(as_text=True)
    assert feed_path(shown_address(again)) == new


@pytest.mark.parametrize("forge", ["nonsense", "unsubscribe", "revoked", "empty"])
def test_a_forged_or_dead_token_cannot_replace_anything(library, client, alice_page, forge):
    web, page = alice_page
    alice = library["alice"]
    before = CalendarFeed.get(CalendarFeed.user == alice).token
    token = {"nonsense": form_token(page)[:-4] + "AAAA",
             "unsubscribe": links.make_token(alice, links.UNSUBSCRIBE_SALT),
             "revoked": form_token(page),
             "empty": ""}[forge]
    if forge == "revoked":
        User.update(session_version=User.session_version + 1).where(User.id == alice.id).execute()
    r = web.post("/monitors/ical/new", data={"token": token}, htmx=True)
    assert r.status_code == 403
    assert CalendarFeed.get(CalendarFeed.user == alice).token == before
    assert client.get(f"/monitors/ical/{before}.ics").status_code == 200


def test_it_needs_the_csrf_token(library, client, alice_page):
    _, page = alice_page
    before = CalendarFeed.get(CalendarFeed.user == library["alice"]).token
    r = client.post("/monitors/ical/new", data={"token": form_token(page)})
    assert r.status_code == 400
    assert CalendarFeed.get(CalendarFeed.user == library["alice"]).token == before


def test_the_admin_replaces_a_persons_address_from_their_page(library, admin_web):
    bob = library["bob"]
    page = admin_web.get(f"/notify/users/{bob.id}").get_data(as_text=True)
    old = feed_path(shown_address(page))
    assert "This address is private to them" in page and 'name="token"' not in page
    r = admin_web.post(f"/monitors/ical/users/{bob.id}/new", htmx=True)
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "Give them the new one." in body
    new = feed_path(shown_address(body))
    assert new != old
    assert admin_web.client.get(old).status_code == 404
    assert admin_web.client.get(new).status_code == 200
    assert AuditEntry.select().where(AuditEntry.action == "monitors.ical").get().message == \
        f"Made a new calendar address for {bob.name}"
    assert admin_web.post("/monitors/ical/users/999999/new", htmx=True).status_code == 404


def test_only_the_admin_may_replace_by_user_id(library, admin, web):
    bob = library["bob"]
    before = calendar.feed_for(bob).token
    web.get("/auth/login")
    r = web.post(f"/monitors/ical/users/{bob.id}/new")
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]
    assert CalendarFeed.get(CalendarFeed.user == bob).token == before


def test_a_person_who_reads_german_is_told_in_german(library, client):
    User.update(language="de").where(User.id == library["alice"].id).execute()
    calendar.refresh()
    web = Browserless(client)
    page = web.get("/notify/u/" + links.make_token(User.get_by_id(library["alice"].id))).get_data(as_text=True)
    r = web.post("/monitors/ical/new", data={"token": form_token(page)}, htmx=True)
    body = r.get_data(as_text=True) + r.headers.get("HX-Trigger", "")
    assert r.status_code == 200
    assert "Neue Kalenderadresse erstellt: Die alte funktioniert nicht mehr." in body
    assert "New calendar address" not in body
