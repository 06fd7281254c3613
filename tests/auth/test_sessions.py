"""Server-side sessions: new on sign-in, really ended on sign-out and password change, idle expiry."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from plexportal.admin.models import AuditEntry
from plexportal.auth.models import UserSession
from plexportal.lib import clock
from tests.conftest import PASSWORD, Browserless

COOKIE = "plexportal_session"


def _signed_in(app):
    web = Browserless(app.test_client())
    r = web.post("/auth/login", data={"username": "admin", "password": PASSWORD})
    assert r.status_code == 303
    web.get("/")
    return web


def _cookie(web) -> str:
    return web.client.get_cookie(COOKIE).value


def _replay(app, cookie_value: str):
    """A second browser that only has a copy of the cookie."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie_value)
    return thief.get("/")


def test_it_starts_a_new_session_on_every_sign_in(app, admin):
    web = Browserless(app.test_client())
    web.get("/auth/login")
    before = _cookie(web)
    web.post("/auth/login", data={"username": "admin", "password": PASSWORD})
    first = _cookie(web)
    assert first != before
    web.get("/")                                       # the page's fresh CSRF token
    assert web.post("/auth/login", data={"username": "admin", "password": PASSWORD}).status_code == 303
    second = _cookie(web)
    assert second != first
    assert UserSession.select().count() == 1          # signing in again replaced the old row
    assert _replay(app, first).status_code == 302


def test_it_ends_the_session_for_real_on_sign_out(app, admin):
    web = _signed_in(app)
    copied = _cookie(web)
    assert _replay(app, copied).status_code == 200     # the copy works while the session lives
    web.post("/auth/logout")
    r = _replay(app, copied)
    assert r.status_code == 302
    assert "/auth/login" in r.headers["Location"]
    assert UserSession.select().count() == 0


def test_it_ends_every_session_when_the_password_changes(app, admin):
    laptop = _signed_in(app)
    phone = _signed_in(app)
    phone_cookie = _cookie(phone)
    r = laptop.post("/auth/password", data={"current": PASSWORD, "password": "a brand new passphrase",
                                            "confirm": "a brand new passphrase"})
    assert r.status_code == 303
    assert AuditEntry.get(AuditEntry.action == "admin.password_changed").actor_label == "admin"
    assert _replay(app, phone_cookie).status_code == 302
    assert laptop.get("/").status_code == 302
    fresh = Browserless(app.test_client())
    assert fresh.post("/auth/login", data={"username": "admin", "password": PASSWORD}).status_code == 422
    assert fresh.post("/auth/login", data={"username": "admin",
                                           "password": "a brand new passphrase"}).status_code == 303


def test_it_keeps_the_password_when_the_current_one_is_wrong(logged_in):
    r = logged_in.post("/auth/password", data={"current": "nope", "password": "another long phrase",
                                               "confirm": "another long phrase"})
    assert r.status_code == 422
    assert "not your current password" in r.get_data(as_text=True)
    assert logged_in.get("/").status_code == 200


def test_it_rejects_a_short_new_password_with_a_message(logged_in):
    r = logged_in.post("/auth/password", data={"current": PASSWORD, "password": "short", "confirm": "short"})
    assert r.status_code == 422
    assert "8 to 256 characters" in r.get_data(as_text=True)


def test_it_expires_an_idle_session_after_the_configured_lifetime(app, admin, set_settings):
    set_settings(SESSION_LIFETIME_MINUTES="30")
    clock.freeze(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    web = _signed_in(app)
    clock.advance(timedelta(minutes=25))
    assert web.get("/").status_code == 200             # activity slides the idle window
    clock.advance(timedelta(minutes=25))
    assert web.get("/").status_code == 200
    clock.advance(timedelta(minutes=31))
    r = web.get("/")
    assert r.status_code == 302
    assert "/auth/login" in r.headers["Location"]
    assert UserSession.select().count() == 0


def test_it_sends_htmx_calls_with_an_expired_session_to_the_login_page(app, admin, set_settings):
    set_settings(SESSION_LIFETIME_MINUTES="30")
    clock.freeze(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    web = _signed_in(app)
    clock.advance(timedelta(hours=2))
    r = web.client.get("/settings/", headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert r.headers["HX-Redirect"].startswith("/auth/login?next=")
    r = web.post("/settings/group/General", data={"SERVER_NAME": "x"}, htmx=True)
    assert r.status_code == 200
    assert r.headers["HX-Redirect"].startswith("/auth/login")


def test_it_marks_the_session_cookie_httponly_and_samesite(app, admin):
    web = Browserless(app.test_client())
    web.get("/auth/login")
    r = web.post("/auth/login", data={"username": "admin", "password": PASSWORD})
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
