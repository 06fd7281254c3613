"""Admin accounts below the pages: names and passwords refused with a reason and nothing created,
who may sign in with a password at all, a password change ending every session, the setup
wizard's admin made once, and addresses the local-network bypass must never match."""
from __future__ import annotations

import pytest

from plexportal.auth import service
from plexportal.auth.models import AdminAccount, User, UserSession
from tests.conftest import PASSWORD


@pytest.mark.parametrize("username, password, reason", [
    ("", PASSWORD, "Choose a user name without spaces"),
    ("two words", PASSWORD, "Choose a user name without spaces"),
    ("tab\there", PASSWORD, "Choose a user name without spaces"),
    ("x" * 151, PASSWORD, "at most 150 characters"),
    ("owner", "short", "Use at least 8 characters."),
    ("owner", "x" * 257, "Use at most 256 characters."),
    ("owner", "Password1", "That password is too common; pick another."),
])
def test_a_bad_name_or_password_creates_nobody(db, username, password, reason):
    with pytest.raises(service.AuthError, match=reason):
        service.create_admin(username, password)
    assert User.select().count() == 0


def test_a_name_is_trimmed_and_a_blank_email_is_none(db):
    user = service.create_admin("  owner  ", PASSWORD, "   ")
    assert user.username == "owner" and user.email is None and user.is_admin
    with pytest.raises(service.AuthError, match="A user named owner already exists."):
        service.create_admin("owner", PASSWORD)


def test_the_wizards_admin_is_made_only_while_there_is_none(db):
    first = service.create_first_admin("owner", PASSWORD)
    with pytest.raises(service.AdminExists, match="sign in instead"):
        service.create_first_admin("intruder", PASSWORD)
    assert [u.username for u in User.select()] == [first.username]


def test_only_an_active_admin_with_a_password_signs_in_with_one(db, make_user):
    admin = service.create_admin("owner", PASSWORD)
    assert service.authenticate(" owner ", PASSWORD).id == admin.id
    assert service.authenticate("owner", PASSWORD + "x") is None
    assert service.authenticate("nobody", PASSWORD) is None
    assert service.authenticate("owner", None) is None
    person = make_user("friend")
    AdminAccount.create(user=person, password_hash=service.password_hash_of(admin))
    assert service.authenticate("friend", PASSWORD) is None             # a person, not an admin
    plex_only = service.create_admin("plexer", PASSWORD)
    AdminAccount.update(password_hash=None).where(AdminAccount.user == plex_only.id).execute()
    assert service.authenticate("plexer", "") is None and service.authenticate("plexer", PASSWORD) is None
    User.update(is_active=False).where(User.id == admin.id).execute()
    assert service.authenticate("owner", PASSWORD) is None


def test_a_new_password_ends_every_session_and_a_weak_one_changes_nothing(db):
    admin = service.create_admin("owner", PASSWORD)
    for ua in ("laptop", "phone"):
        service.start_session(admin, "192.168.1.10", ua)
    before, stored = User.get_by_id(admin.id), service.password_hash_of(admin)
    with pytest.raises(service.AuthError, match="at least 8"):
        service.set_password(admin, "short")
    assert UserSession.select().count() == 2 and service.password_hash_of(admin) == stored
    service.set_password(admin, "another long passphrase")
    after = User.get_by_id(admin.id)
    assert UserSession.select().count() == 0 and after.session_version == before.session_version + 1
    assert service.authenticate("owner", "another long passphrase") is not None
    assert service.authenticate("owner", PASSWORD) is None


def test_ending_other_sessions_keeps_this_one(db):
    admin = service.create_admin("owner", PASSWORD)
    mine = service.start_session(admin, "192.168.1.10", "laptop")
    service.start_session(admin, "192.168.1.11", "phone")
    service.start_session(admin, "192.168.1.12", "tablet")
    assert service.end_other_sessions(admin, mine) == 2
    assert [s.id for s in UserSession.select()] == [mine]
    assert service.end_other_sessions(admin, mine) == 0


@pytest.mark.parametrize("address, expected", [
    ("192.168.1.23", True), ("::ffff:192.168.1.23", True), ("192.168.2.1", False), ("8.8.8.8", False),
    ("", False), (None, False), ("not an address", False), ("192.168.1.23%eth0", False), ("fe80::1", False),
])
def test_the_bypass_matches_only_the_configured_local_networks(db, set_settings, address, expected):
    set_settings(LOCAL_BYPASS_CIDRS="192.168.1.0/24")
    assert service.is_bypass_address(address) is expected


def test_a_public_range_in_the_environment_is_ignored_and_said_once(db, monkeypatch, caplog):
    import logging

    caplog.set_level(logging.WARNING)
    monkeypatch.setattr(service, "_refused_networks", set())
    monkeypatch.setenv("PLEXPORTAL_LOCAL_BYPASS_CIDRS", "192.168.1.0/24, 0.0.0.0/0")
    assert service.is_bypass_address("8.8.8.8") is False
    assert service.is_bypass_address("1.1.1.1") is False
    assert service.is_bypass_address("192.168.1.5") is True
    said = [r for r in caplog.records if "0.0.0.0/0 is not a local network and is ignored" in r.getMessage()]
    assert len(said) == 1


def test_a_bypass_list_that_does_not_parse_bypasses_nobody(db, monkeypatch):
    monkeypatch.setenv("PLEXPORTAL_LOCAL_BYPASS_CIDRS", "192.168.1.0/24, nonsense")
    assert service.bypass_networks() == [] and service.is_bypass_address("192.168.1.5") is False


def test_a_merge_keeps_the_admins_sign_in_with_the_person_kept(db, make_user):
    from plexportal.auth.models import Passkey
    from plexportal.people import service as people

    admin = service.create_admin("owner", PASSWORD, "owner@example.com")
    Passkey.create(user=admin, credential_id="cred-1", public_key="pk", user_handle="h", name="Laptop")
    seen_in_seerr = people.find_or_create_person("seerr", seerr_user_id=5, email="owner@elsewhere.example")
    people.merge(admin, seen_in_seerr)
    assert service.authenticate("owner", PASSWORD).id == admin.id
    assert AdminAccount.select().count() == 1 and Passkey.get().user_id == admin.id

    # A former admin's password (someone demoted) moves to the person kept, never lost or doubled.
    former = service.create_admin("former", PASSWORD)
    User.update(role="user").where(User.id == former.id).execute()
    kept = make_user("kept")
    people.merge(kept, User.get_by_id(former.id))
    assert AdminAccount.get(AdminAccount.user == kept.id).password_hash.startswith("$argon2id$")
    assert AdminAccount.select().count() == 2
