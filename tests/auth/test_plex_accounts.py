"""Who a Plex account is once it has signed in, against the fake plex.tv: the owner's admin row
(made once, under a free name), an owner that plex.tv cannot confirm right now (no admin), a
deactivated account, and linking a Plex account another row already holds."""
from __future__ import annotations

from plexportal.admin.models import AuditEntry
from plexportal.auth import plex as plex_signin
from plexportal.auth.models import User
from plexportal.gateways.plextv import Account
from tests.invites.conftest import fake_plextv, fake_pms, plex  # noqa: F401  (fixtures)

OWNER_ID = 1          # the fake plex.tv's account behind ADMIN_TOKEN


def account(id=OWNER_ID, username="admin", email="admin@example.com", title="Owner") -> Account:
    return Account(id=id, uuid=f"uuid-{id}", username=username, email=email, title=title, confirmed=True)


def test_the_owners_first_sign_in_makes_one_admin_row(db, plex):
    kind, user = plex_signin.resolve(account())
    assert kind == "admin" and user.is_admin and user.plex_user_id == OWNER_ID and user.username == "admin"
    again_kind, again = plex_signin.resolve(account())
    assert again_kind == "admin" and again.id == user.id
    assert User.select().where(User.plex_user_id == OWNER_ID).count() == 1
    assert AuditEntry.select().where(AuditEntry.action == "admin.created").count() == 1


def test_the_owners_admin_row_takes_a_free_name(db, plex, make_user):
    make_user("admin")
    make_user("admin-2")
    kind, user = plex_signin.resolve(account())
    assert kind == "admin" and user.username == "admin-3"


def test_a_plex_name_with_odd_characters_is_cleaned_and_an_empty_one_replaced(db, plex):
    kind, user = plex_signin.resolve(account(username="Ad min<script>"))
    assert (kind, user.username) == ("admin", "Adminscript")
    User.delete().execute()
    kind, user = plex_signin.resolve(account(username="  "))
    assert (kind, user.username) == ("admin", "plex-owner")


def test_the_owners_person_row_becomes_the_admin(db, plex, make_user):
    person = make_user("owner-as-person", plex_user_id=OWNER_ID)
    kind, user = plex_signin.resolve(account())
    assert kind == "admin" and user.id == person.id and User.get_by_id(person.id).role == "admin"
    entry = AuditEntry.get(AuditEntry.action == "admin.created")
    assert "the Plex server's owner" in entry.message


def test_when_plex_tv_cannot_say_who_the_owner_is_nobody_becomes_admin(db, plex):
    plex.fail_next(503, path="/api/v2/user", times=5)
    kind, user = plex_signin.resolve(account())
    assert kind == "stranger" and user is None
    assert User.select().where(User.role == "admin").count() == 0


def test_without_an_owner_token_there_is_no_owner(db, set_settings):
    set_settings(PLEX_TOKEN="")
    assert plex_signin.owner_account_id() is None
    assert plex_signin.resolve(account()) == ("stranger", None)


def test_a_deactivated_account_is_told_apart(db, plex, make_user):
    gone = make_user("left", plex_user_id=42, is_active=False)
    assert plex_signin.resolve(account(id=42, username="friend")) == ("disabled", User.get_by_id(gone.id))


def test_linking_a_plex_account_another_row_holds_is_refused_with_who_holds_it(db, plex, make_user):
    from plexportal.auth import service

    me = service.create_admin("me", "correct horse battery")
    other_admin = service.create_admin("colleague", "correct horse battery")
    User.update(plex_user_id=50, plex_username="colleague-plex").where(User.id == other_admin.id).execute()
    make_user("cousin", plex_user_id=43, display_name="Cousin Vinny")
    said = plex_signin.link(me, account(id=50, username="colleague-plex"))
    assert said == "That Plex account (colleague-plex) already signs in as admin colleague."
    said = plex_signin.link(me, account(id=43, username="cousin"))
    assert said.startswith("That Plex account (cousin) belongs to Cousin Vinny") and "Admins page" in said
    assert User.get_by_id(me.id).plex_user_id is None
    assert plex_signin.link(me, account(id=60, username="mine")) is None
    assert User.get_by_id(me.id).plex_user_id == 60
    assert plex_signin.link(me, account(id=60, username="mine")) is None          # linking again is fine
