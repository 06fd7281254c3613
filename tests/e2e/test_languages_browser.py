"""A person's pages in German on a 360 px phone: German words are long, and nothing may scroll
sideways. The browser asks for German on the join page; on their own page the person switches to
German from English with the language choice, and the page comes back in German."""
from __future__ import annotations

import pytest

from tests.e2e.inprocess import save_shot, watch_console
from tests.e2e.test_phone_overflow import OVERFLOW

pytestmark = pytest.mark.e2e

PHONE_360 = {"width": 360, "height": 740}
LONG_NAME = "Margaretha van der Westhuizen-Oppenheimer"


def no_sideways_scroll(page, where: str) -> None:
    got = page.evaluate(OVERFLOW)
    assert got["scroll"] <= got["width"], f"{where} scrolls sideways: {got}"


def test_a_persons_pages_in_german_fit_a_360_px_phone(app, db, set_settings, browser, serve):
    from plexportal.auth.models import User
    from plexportal.invites import service as invites
    from plexportal.notify import links

    set_settings(SERVER_NAME="Familienmediathek Westhuizen", BASE_URL="http://127.0.0.1")
    person = User.create(username="margaretha", display_name=LONG_NAME,
                         email="margaretha.van.der.westhuizen@familien-mediathek.example.com")
    invite = invites.create_invite({"max_uses": 2})
    base = serve(app)

    # The join page: the browser asks for German.
    context = browser.new_context(viewport=PHONE_360, locale="de-DE", is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    page = context.new_page()
    errors = watch_console(page)
    page.goto(f"{base}/join/{invite.code}")
    assert page.locator("h1").inner_text() == "Du bist zu Familienmediathek Westhuizen eingeladen"
    assert page.get_attribute("html", "lang") == "de"
    assert page.get_by_role("button", name="Mit Plex anmelden").is_visible()
    no_sideways_scroll(page, "the join page")
    save_shot(page, "languages-join-de-360")
    context.close()

    # Their own page: an English browser, the person picks German.
    context = browser.new_context(viewport=PHONE_360, locale="en-GB", is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    page = context.new_page()
    errors += watch_console(page)
    page.goto(f"{base}/notify/u/{links.make_token(person)}")
    assert page.locator("h1").inner_text() == f"Hi {LONG_NAME}"
    page.get_by_label("Messages and this page are written in").select_option("de")
    page.get_by_role("button", name="Save").first.click()
    page.wait_for_function("document.documentElement.lang === 'de'")
    assert page.locator("h1").inner_text() == f"Hallo {LONG_NAME}"
    assert page.get_by_role("button", name="Schick mir einen Test").first.is_visible()
    assert page.get_by_role("heading", name="Weitere Wege für Nachrichten").is_visible()
    assert page.get_by_role("button", name="Überall abmelden").is_visible()
    assert User.get_by_id(person.id).language == "de"
    no_sideways_scroll(page, "the person's page")
    save_shot(page, "languages-person-page-de-360")
    # Their unsubscribe page follows their choice, whatever the browser says.
    page.goto(f"{base}/notify/unsubscribe/{links.make_token(person, links.UNSUBSCRIBE_SALT)}")
    assert page.locator("h1").inner_text() == "Keine E-Mails mehr von Familienmediathek Westhuizen?"
    no_sideways_scroll(page, "the unsubscribe page")
    save_shot(page, "languages-unsubscribe-de-360")
    context.close()
    assert not errors, errors
