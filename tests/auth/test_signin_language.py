"""The sign-in page and the maintenance banner are seen by friends and family before anyone is
known: they speak the browser's language (English stays as it was), while admin pages stay English."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from plexportal.health import maintenance
from plexportal.invites import service as invites
from plexportal.lib import clock

T0 = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)      # a Wednesday; 14:00 in Paris


@pytest.fixture
def paris(db, set_settings):
    set_settings(SERVER_NAME="Harbour Server", TIMEZONE="Europe/Paris", PLEX_SIGNIN="1", PLEX_TOKEN="tok")
    clock.freeze(T0)
    return db


def page(client, path, accept):
    return client.get(path, headers={"Accept-Language": accept}).get_data(as_text=True)


def test_the_sign_in_page_speaks_the_browsers_language(client, paris, admin):
    german = page(client, "/auth/login", "de-DE,de;q=0.9")
    assert '<html lang="de">' in german
    assert "<h1>Anmelden</h1>" in german and "Benutzername" in german and "Passwort" in german
    assert "Melde dich mit deinem Plex-Konto an" in german and "Mit Plex anmelden" in german
    assert "Sign in" not in german and "Friends and family" not in german
    english = page(client, "/auth/login", "en")
    assert "<h1>Sign in</h1>" in english and "User name" in english
    assert "Friends and family: sign in with your Plex account to see your page." in english
    assert "Sign in with Plex</button>" in english


def test_a_wrong_password_is_answered_in_the_browsers_language(client, paris, admin):
    from tests.conftest import csrf_from

    form = page(client, "/auth/login", "fr")
    r = client.post("/auth/login", data={"csrf_token": csrf_from(form), "username": "admin", "password": "wrong"},
                    headers={"Accept-Language": "fr"})
    assert "Ce nom d&#39;utilisateur et ce mot de passe ne correspondent pas." in r.get_data(as_text=True)


def test_the_banner_on_public_pages_speaks_the_browsers_language_with_its_times(client, paris, admin):
    maintenance.create_window(T0 + timedelta(hours=2), T0 + timedelta(hours=3), "Neue Platten")
    code = invites.create_invite({"max_uses": 1}).code
    german = client.get(f"/join/{code}", headers={"Accept-Language": "de"}, follow_redirects=True).get_data(as_text=True)
    assert "<strong>Geplante Wartung</strong> Mi. 16:00–17:00. Neue Platten" in german
    assert "<strong>Planned maintenance</strong> Wed 16:00–17:00." in page(client, "/auth/login", "en")
    clock.freeze(T0 + timedelta(hours=2, minutes=5))
    assert "<strong>Wartung läuft</strong> bis Mi. 17:00." in page(client, "/auth/login", "de")
    assert "<strong>Maintenance in progress</strong> until Wed 17:00." in page(client, "/auth/login", "en")


def test_admin_pages_keep_the_banner_in_english(admin_web, paris):
    maintenance.create_window(T0 + timedelta(hours=2), T0 + timedelta(hours=3), "")
    r = admin_web.client.get("/monitors/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "<strong>Planned maintenance</strong> Wed 16:00–17:00." in r and "Geplante Wartung" not in r


@pytest.mark.parametrize("accept, name_too_long, password_too_long", [
    ("de", "Gib höchstens 150 Zeichen ein.", "Gib höchstens 256 Zeichen ein."),
    ("nl", "Gebruik hoogstens 150 tekens.", "Gebruik hoogstens 256 tekens."),
    ("en", "Field cannot be longer than 150 characters.", "Field cannot be longer than 256 characters."),
])
def test_a_name_or_password_too_long_is_refused_in_the_browsers_language(client, paris, admin, accept,
                                                                         name_too_long, password_too_long):
    from tests.conftest import csrf_from

    form = page(client, "/auth/login", accept)
    r = client.post("/auth/login", data={"csrf_token": csrf_from(form), "username": "x" * 151, "password": "y" * 257},
                    headers={"Accept-Language": accept})
    body = r.get_data(as_text=True)
    assert r.status_code == 422
    assert name_too_long in body and password_too_long in body
    if accept != "en":
        assert "longer than" not in body and "Feld kann nicht" not in body     # not WTForms' own wording


def test_an_expired_form_on_a_public_page_is_explained_in_the_browsers_language(client, paris, admin):
    r = client.post("/auth/login", data={"username": "admin", "password": "x"}, headers={"Accept-Language": "de"})
    body = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "Bitte versuch es noch einmal" in body and "Lade die Seite neu" in body and "Zurück zum Anfang" in body
    english = client.post("/auth/login", data={"username": "admin", "password": "x"}).get_data(as_text=True)
    assert "The form expired. Reload the page and send it again." in english and "Back to the start" in english


def test_an_address_with_no_page_is_explained_in_the_visitors_language_and_the_admins_english(client, paris,
                                                                                               admin_web):
    visitor = client.application.test_client()
    r = visitor.get("/jion/ABCDEFGHJKLM", headers={"Accept-Language": "de"})
    body = r.get_data(as_text=True)
    assert r.status_code == 404 and "Unter dieser Adresse gibt es nichts." in body and '<html lang="de">' in body
    r = admin_web.client.get("/jion/ABCDEFGHJKLM", headers={"Accept-Language": "de"})
    assert r.status_code == 404 and "There is nothing at this address." in r.get_data(as_text=True)
