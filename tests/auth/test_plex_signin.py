"""Sign in with Plex on the sign-in page against the fake plex.tv: the owner, a Plex account made
admin, a person the server is shared with, and a stranger; plus plex.tv failing mid-way."""
from __future__ import annotations

import pyotp
import pytest

from plexportal.admin.models import AuditEntry
from plexportal.auth import totp
from plexportal.auth.models import User, UserSession
from plexportal.gateways import plextv
from plexportal.invites.models import Access
from tests.conftest import Browserless
from tests.fakes.plextv import ADMIN_TOKEN
from tests.invites.conftest import browser_pin, fake_plextv, fake_pms, plex  # noqa: F401  (fixtures)


@pytest.fixture
def accounts(plex):
    plex.add_account(43, "cousin", "cousin@example.com", "cousin-token")
    plex.add_account(77, "stranger", "stranger@example.com", "stranger-token")
    return plex


def _start(app, web, fake, intent=None):
    web.get("/auth/login")
    pin = browser_pin(fake, plextv.client_identifier())
    url = "/auth/plex" + ("?intent=link" if intent else "")
    r = web.client.post(url, json={"pin_id": pin["id"], "pin_code": pin["code"]}, headers={"X-CSRFToken": web.token})
    assert r.status_code == 200, r.get_data(as_text=True)
    return pin, r.get_json()


def _sign_in_as(app, web, fake, token):
    pin, _ = _start(app, web, fake)
    fake.approve_pin(pin["id"], token=token)
    return web.client.get("/auth/plex").get_json()


def _grant(plex_user_id, username, status="active"):
    return Access.create(plex_user_id=plex_user_id, username=username, email=f"{username}@example.com",
                         title=username, status=status)


def test_it_shows_the_button_only_with_a_plex_token(web, admin, set_settings, accounts):
    page = web.get("/auth/login").get_data(as_text=True)
    assert "Sign in with Plex" in page and 'src="/static/invites.js"' in page
    set_settings(PLEX_SIGNIN="false")
    assert "Sign in with Plex" not in web.get("/auth/login").get_data(as_text=True)


def test_it_keeps_the_pin_in_the_session_and_builds_the_plex_addresses(app, web, admin, accounts):
    pin, urls = _start(app, web, accounts)
    assert urls["popup_url"].startswith(f"{accounts.url}/auth#?") and f"code={pin['code']}" in urls["popup_url"]
    assert "forwardUrl=http%3A%2F%2Flocalhost%2Fauth%2Fplex%2Freturn" in urls["redirect_url"]
    assert web.client.get("/auth/plex").get_json() == {"status": "waiting", "redirect": None}
    other = Browserless(app.test_client())                   # the PIN is this browser's only
    assert other.client.get("/auth/plex").get_json()["status"] == "error"


def test_it_signs_the_servers_owner_in_as_admin(app, web, admin, accounts):
    done = _sign_in_as(app, web, accounts, ADMIN_TOKEN)
    assert done == {"status": "done", "redirect": "/"}
    assert web.get("/").status_code == 200
    owner = User.get(User.plex_user_id == 1)
    assert owner.is_admin and owner.username == "admin-2"    # the password admin "admin" is someone else
    assert UserSession.get().method == "plex"
    assert AuditEntry.select().where(AuditEntry.message.contains("server's owner")).exists()


def test_it_signs_the_owner_into_the_admin_account_that_linked_plex(app, logged_in, admin, accounts):
    pin, _ = _start(app, logged_in, accounts, intent="link")
    accounts.approve_pin(pin["id"], token=ADMIN_TOKEN)
    assert logged_in.client.get("/auth/plex").get_json()["redirect"] == "/auth/account"
    assert User.get_by_id(admin.id).plex_user_id == 1
    web = Browserless(app.test_client())
    assert _sign_in_as(app, web, accounts, ADMIN_TOKEN)["redirect"] == "/"
    assert User.select().where(User.role == "admin").count() == 1
    assert UserSession.select().where((UserSession.user == admin.id) & (UserSession.method == "plex")).exists()


def test_it_asks_the_second_factor_after_plex_when_the_admin_has_one(app, web, admin, accounts):
    User.update(plex_user_id=1).where(User.id == admin.id).execute()
    secret = totp.begin_enrolment(admin)
    totp.confirm_enrolment(admin, pyotp.TOTP(secret).now())
    done = _sign_in_as(app, web, accounts, ADMIN_TOKEN)
    assert done["redirect"] == "/auth/second-factor"
    assert web.get("/").status_code == 302


def test_it_lets_a_plex_account_made_admin_sign_in_as_admin(app, logged_in, admin, accounts):
    _grant(43, "cousin")
    person = Browserless(app.test_client())
    assert _sign_in_as(app, person, accounts, "cousin-token")["redirect"] == "/notify/me"
    cousin = User.get(User.plex_user_id == 43)
    assert "cousin" in logged_in.get("/auth/admins").get_data(as_text=True)
    r = logged_in.post(f"/auth/admins/{cousin.id}/make", htmx=True)
    assert r.headers["HX-Redirect"] == "/auth/admins"
    assert person.get("/notify/me").status_code == 302       # their person session ended
    web = Browserless(app.test_client())
    assert _sign_in_as(app, web, accounts, "cousin-token")["redirect"] == "/"
    assert web.get("/settings/").status_code == 200


def test_it_lands_a_person_with_access_on_their_own_page(app, web, admin, accounts):
    _grant(42, "friend")
    done = _sign_in_as(app, web, accounts, "friend-token")
    assert done == {"status": "done", "redirect": "/notify/me"}
    page = web.get("/notify/me").get_data(as_text=True)
    assert "Hi friend" in page and "Sign out" in page
    friend = User.get(User.plex_user_id == 42)
    assert friend.role == "user" and Access.get(Access.plex_user_id == 42).user_id == friend.id
    assert web.get("/settings/").status_code == 403          # admin pages stay closed
    assert web.get("/").status_code == 403
    # The page's forms work for them through their session; no link is minted for it.
    assert "/notify/u/" not in page and 'hx-post="/notify/me/email"' in page
    r = web.post("/notify/me/email", data={"action": "unsubscribe"}, htmx=True)
    assert r.status_code == 200 and "Unsubscribed" in r.get_data(as_text=True)
    from plexportal.notify import prefs

    assert prefs.get(friend).email_enabled is False


def test_it_lets_a_signed_in_person_follow_titles_and_renew_their_calendar(app, web, admin, accounts):
    from plexportal.media.models import CalendarFeed, Follower, MediaRequest

    _grant(42, "friend")
    _sign_in_as(app, web, accounts, "friend-token")
    other = User.create(username="aunt", email="aunt@example.com")
    req = MediaRequest.create(media_type="movie", title="Paper Lanterns", tmdb_id=77,
                              requested_by=other, status="approved")
    page = web.get("/notify/me").get_data(as_text=True)
    assert "Paper Lanterns" in page and "Tell me too" in page
    r = web.post(f"/media/follow/{req.id}", data={"action": "follow"}, htmx=True)
    assert r.status_code == 200
    friend = User.get(User.plex_user_id == 42)
    assert Follower.select().where((Follower.user == friend.id) & (Follower.request == req.id)).exists()
    web.get("/notify/me")
    before = CalendarFeed.get_or_none(CalendarFeed.user == friend.id)
    r = web.post("/monitors/ical/new", htmx=True)
    assert r.status_code == 200
    after = CalendarFeed.get(CalendarFeed.user == friend.id)
    assert before is None or after.token != before.token
    stranger = Browserless(app.test_client())                  # no session, no link: nothing
    assert stranger.post(f"/media/follow/{req.id}", data={"action": "unfollow"}).status_code == 403


def test_it_ends_a_persons_session_when_they_sign_out_everywhere(app, web, admin, accounts):
    _grant(42, "friend")
    _sign_in_as(app, web, accounts, "friend-token")
    assert 'hx-post="/notify/me/sign-out"' in web.get("/notify/me").get_data(as_text=True)
    r = web.post("/notify/me/sign-out", htmx=True)
    assert r.status_code == 200 and "/notify/signed-out" in r.headers["HX-Redirect"]
    assert web.get("/notify/me").status_code == 302


def test_it_never_joins_a_person_to_an_admin_with_the_same_email(app, web, admin, accounts):
    accounts.add_account(44, "lookalike", "admin@example.com", "lookalike-token")
    _grant(44, "lookalike")
    Access.update(email="admin@example.com").where(Access.plex_user_id == 44).execute()
    done = _sign_in_as(app, web, accounts, "lookalike-token")
    assert done["redirect"] == "/notify/me"
    assert User.get_by_id(admin.id).plex_user_id is None
    assert web.get("/settings/").status_code == 403


@pytest.mark.parametrize("status", [None, "removed", "suspended", "expired"])
def test_it_politely_refuses_a_plex_account_without_access(app, web, admin, accounts, status):
    if status:
        _grant(77, "stranger", status=status)
    done = _sign_in_as(app, web, accounts, "stranger-token")
    assert done == {"status": "refused", "redirect": "/auth/login"}
    page = web.get("/auth/login").get_data(as_text=True)
    assert "has no access to this server" in page
    assert web.get("/notify/me").status_code == 302
    assert UserSession.select().count() == 0


def test_it_throttles_refused_plex_sign_ins(app, web, admin, accounts):
    for _ in range(5):
        assert _sign_in_as(app, web, accounts, "stranger-token")["status"] == "refused"
    _grant(42, "friend")
    pin, _ = _start(app, web, accounts)
    accounts.approve_pin(pin["id"], token="friend-token")
    assert web.client.get("/auth/plex").get_json() == {"status": "refused", "redirect": "/auth/login"}
    assert "Too many attempts" in web.get("/auth/login").get_data(as_text=True)
    assert UserSession.select().count() == 0


def test_it_keeps_waiting_while_plex_tv_is_down_and_says_so_when_it_refuses(app, web, admin, accounts):
    pin, _ = _start(app, web, accounts)
    accounts.approve_pin(pin["id"], token="friend-token")
    accounts.fail_next(503, path="/api/v2/pins", times=3)          # more than the one retry
    assert web.client.get("/auth/plex").get_json()["status"] == "waiting"
    accounts.fail_next(401, {"errors": [{"message": "nope"}]}, path="/api/v2/user")
    done = web.client.get("/auth/plex").get_json()
    assert done == {"status": "error", "redirect": "/auth/login"}
    assert "plex.tv did not accept this sign-in" in web.get("/auth/login").get_data(as_text=True)
    assert UserSession.select().count() == 0


def test_it_brings_a_phone_back_through_the_forward_url(app, web, admin, accounts):
    _grant(42, "friend")
    pin, _ = _start(app, web, accounts)
    waiting = web.get("/auth/plex/return")
    assert waiting.status_code == 200 and "Waiting for Plex to confirm" in waiting.get_data(as_text=True)
    accounts.approve_pin(pin["id"], token="friend-token")
    r = web.get("/auth/plex/return")
    assert r.status_code == 303 and r.headers["Location"] == "/notify/me"


def test_it_refuses_a_garbage_pin(app, web, admin, accounts):
    web.get("/auth/login")
    for body in ({"pin_id": "x", "pin_code": "A"}, {"pin_id": 1, "pin_code": "<script>"}, {}):
        r = web.client.post("/auth/plex", json=body, headers={"X-CSRFToken": web.token})
        assert r.status_code == 400


def test_it_asks_for_a_plex_name_when_too_many_people_to_list(logged_in, admin, monkeypatch):
    from plexportal.auth import views_account

    monkeypatch.setattr(views_account, "PEOPLE_LIST_MAX", 2)
    for n in range(3):
        User.create(username=f"viewer{n}", email=f"viewer{n}@example.com", plex_user_id=500 + n,
                    plex_username=f"PlexViewer{n}")
    page = logged_in.get("/auth/admins").get_data(as_text=True)
    assert 'name="person"' in page and "viewer1" not in page
    r = logged_in.post("/auth/admins/make", data={"person": "nobody-here"}, htmx=True)
    assert r.status_code == 422 and "Nobody with a Plex account is called “nobody-here”" in r.get_data(as_text=True)
    assert User.select().where(User.role == "admin").count() == 1
    r = logged_in.post("/auth/admins/make", data={"person": "plexviewer2"}, htmx=True)
    assert r.headers["HX-Redirect"] == "/auth/admins"
    assert User.get(User.username == "viewer2").role == "admin"
