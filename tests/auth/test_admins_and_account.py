"""The Admins page and the account page's smaller actions: who can be made or unmade admin (and
what happens to their sessions), the last admin, passkeys renamed or removed twice, authenticator
codes that are wrong, and unlinking Plex."""
from __future__ import annotations

import re

import pyotp
import pytest

from plexportal.admin.models import AuditEntry
from plexportal.auth import service, totp
from plexportal.auth.models import Passkey, User, UserSession
from tests.conftest import PASSWORD, Browserless


def other_admin(name="second", plex_id=77, **fields) -> User:
    user = service.create_admin(name, PASSWORD, f"{name}@example.com")
    User.update(plex_user_id=plex_id, plex_username=name, **fields).where(User.id == user.id).execute()
    return User.get_by_id(user.id)


def signed_in(app, username) -> Browserless:
    web = Browserless(app.test_client())
    r = web.post("/auth/login", data={"username": username, "password": PASSWORD})
    assert r.status_code == 303, r.get_data(as_text=True)
    return web


def test_visitors_never_see_the_admins_page_or_change_it(web, admin, make_user):
    person = make_user("cousin", plex_user_id=43)
    r = web.get("/auth/admins")
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]
    web.post(f"/auth/admins/{person.id}/make", htmx=True)
    assert User.get_by_id(person.id).role == "user"


def test_someone_without_a_plex_account_cannot_be_made_admin_here(logged_in, make_user):
    friend = make_user("friend")
    r = logged_in.post(f"/auth/admins/{friend.id}/make", htmx=True)
    assert r.status_code == 422 and "Only someone with a Plex account can be made admin here" in r.get_data(as_text=True)
    assert User.get_by_id(friend.id).role == "user"


def test_making_an_admin_twice_or_unmaking_a_person_changes_nothing(logged_in, make_user):
    second = other_admin()
    person = make_user("cousin", plex_user_id=43)
    for path in (f"/auth/admins/{second.id}/make", f"/auth/admins/{person.id}/remove"):
        r = logged_in.post(path, htmx=True)
        assert r.status_code == 200 and r.headers["HX-Redirect"] == "/auth/admins"
    assert User.get_by_id(second.id).role == "admin" and User.get_by_id(person.id).role == "user"
    assert AuditEntry.select().where(AuditEntry.action.in_(["admin.created", "admin.removed"])).count() == 0


def test_nobody_removes_their_own_admin_rights(logged_in, admin):
    other_admin()
    r = logged_in.post(f"/auth/admins/{admin.id}/remove", htmx=True)
    assert r.status_code == 422 and "You cannot remove your own admin rights" in r.get_data(as_text=True)
    assert User.get_by_id(admin.id).role == "admin"


def test_removing_an_admin_ends_their_sessions_at_once(app, logged_in, admin):
    second = other_admin()
    theirs = signed_in(app, "second")
    assert theirs.get("/settings/").status_code == 200
    r = logged_in.post(f"/auth/admins/{second.id}/remove", htmx=True)
    assert r.headers["HX-Redirect"] == "/auth/admins"
    assert User.get_by_id(second.id).role == "user"
    assert UserSession.select().where(UserSession.user == second.id).count() == 0
    assert theirs.get("/settings/").status_code == 302
    entry = AuditEntry.get(AuditEntry.action == "admin.removed")
    assert "removed the admin rights of" in entry.message


def test_a_deactivated_admin_can_still_be_unmade(logged_in, admin):
    gone = other_admin("former", plex_id=78, is_active=False)
    r = logged_in.post(f"/auth/admins/{gone.id}/remove", htmx=True)
    assert r.status_code == 200 and r.headers["HX-Redirect"] == "/auth/admins"
    assert User.get_by_id(gone.id).role == "user"


@pytest.mark.parametrize("user_id", [999, 2 ** 40])
def test_an_unknown_person_is_not_found(logged_in, user_id):
    assert logged_in.post(f"/auth/admins/{user_id}/make", htmx=True).status_code == 404
    assert logged_in.post(f"/auth/admins/{user_id}/remove", htmx=True).status_code == 404


def test_only_people_with_plex_and_access_are_offered(logged_in, make_user):
    make_user("cousin", plex_user_id=43)
    make_user("no-plex")
    make_user("left", plex_user_id=44, is_active=False)
    page = logged_in.get("/auth/admins").get_data(as_text=True)
    offered = set(re.findall(r'hx-post="/auth/admins/(\d+)/make"', page))
    assert offered == {str(User.get(User.username == "cousin").id)}


def test_unlinking_plex_forgets_the_account(logged_in, admin):
    User.update(plex_user_id=12, plex_username="owner").where(User.id == admin.id).execute()
    r = logged_in.post("/auth/plex/unlink", htmx=True)
    assert r.status_code == 200 and "Plex account unlinked." in r.get_data(as_text=True)
    fresh = User.get_by_id(admin.id)
    assert fresh.plex_user_id is None and fresh.plex_username is None
    assert AuditEntry.select().where(AuditEntry.action == "auth.plex_unlinked").count() == 1


def test_the_methods_fragment_is_just_the_fragment(logged_in):
    r = logged_in.get("/auth/account?fragment=methods")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "<html" not in html and "Authenticator" in html


def passkey_for(user, name="Laptop") -> Passkey:
    return Passkey.create(user=user, credential_id=f"cred-{name}", public_key="pk", user_handle="h", name=name)


def test_a_passkey_needs_a_name_and_only_your_own_is_renamed(logged_in, admin):
    mine = passkey_for(admin)
    other = passkey_for(other_admin(), "Theirs")
    r = logged_in.post(f"/auth/passkeys/{mine.id}/rename", data={"name": "   "}, htmx=True)
    assert r.status_code == 422 and "Give the passkey a name." in r.get_data(as_text=True)
    r = logged_in.post(f"/auth/passkeys/{mine.id}/rename", data={"name": "  Work   laptop  " + "x" * 100}, htmx=True)
    assert r.status_code == 200 and Passkey.get_by_id(mine.id).name == ("Work laptop " + "x" * 100)[:80]
    logged_in.post(f"/auth/passkeys/{other.id}/rename", data={"name": "Mine now"}, htmx=True)
    assert Passkey.get_by_id(other.id).name == "Theirs"
    assert logged_in.post(f"/auth/passkeys/{2 ** 40}/rename", data={"name": "x"}, htmx=True).status_code == 404


def test_removing_a_passkey_twice_or_someone_elses_removes_nothing_more(logged_in, admin):
    mine = passkey_for(admin)
    other = passkey_for(other_admin(), "Theirs")
    r = logged_in.post(f"/auth/passkeys/{mine.id}/delete", htmx=True)
    assert "Passkey “Laptop” removed." in r.get_data(as_text=True)
    r = logged_in.post(f"/auth/passkeys/{mine.id}/delete", htmx=True)
    assert r.status_code == 200 and "That passkey was already removed." in r.get_data(as_text=True)
    r = logged_in.post(f"/auth/passkeys/{other.id}/delete", htmx=True)
    assert "already removed" in r.get_data(as_text=True) and Passkey.get_or_none(Passkey.id == other.id)
    assert AuditEntry.select().where(AuditEntry.action == "auth.passkey_removed").count() == 1


def test_starting_a_second_authenticator_is_refused(logged_in, admin):
    secret = totp.begin_enrolment(admin)
    totp.confirm_enrolment(admin, pyotp.TOTP(secret).now())
    r = logged_in.post("/auth/totp/start", htmx=True)
    assert "An authenticator app is already set up; turn it off first" in r.get_data(as_text=True)
    assert totp.is_enabled(admin)


def test_new_recovery_codes_need_a_right_code(logged_in, admin):
    secret = totp.begin_enrolment(admin)
    codes = totp.confirm_enrolment(admin, pyotp.TOTP(secret).now())
    r = logged_in.post("/auth/totp/recovery", data={"code": "000000"}, htmx=True)
    assert r.status_code == 422 and "your recovery codes are unchanged" in r.get_data(as_text=True)
    assert totp.recovery_codes_left(admin) == len(codes)
    assert AuditEntry.select().where(AuditEntry.action == "auth.recovery_codes").count() == 0
