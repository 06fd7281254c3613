"""Which admin a single sign-on identity is, once the provider has vouched for it (the protocol
itself is in test_oidc.py): deactivated links, unverified emails, nested group claims, free names
for new admins, and links to an identity another admin holds."""
from __future__ import annotations

import pytest

from plexportal.admin.models import AuditEntry
from plexportal.auth import oidc as sso
from plexportal.auth import service
from plexportal.auth.models import ExternalIdentity, User
from plexportal.gateways.oidc import Identity
from tests.conftest import PASSWORD

ISSUER = "https://id.example.com/realms/home"


def identity(subject="sub-1", email="kim@example.com", verified=True, username="kim", claims=None) -> Identity:
    return Identity(issuer=ISSUER, subject=subject, email=email, email_verified=verified, name="Kim",
                    username=username, claims=claims if claims is not None else {})


@pytest.fixture
def sso_on(db, set_settings):
    set_settings(OIDC_ISSUER=ISSUER, OIDC_CLIENT_ID="plexportal", OIDC_PROVIDER_NAME="Keycloak",
                 OIDC_ADMIN_VALUE="plex-admins")


def test_a_linked_identity_of_a_deactivated_admin_is_refused(sso_on):
    kim = service.create_admin("kim", PASSWORD, "kim@example.com")
    assert sso.link(kim, identity()) is None
    User.update(is_active=False).where(User.id == kim.id).execute()
    with pytest.raises(sso.SignInRefused, match="The plexportal account linked to kim can no longer sign in."):
        sso.account_for(identity())


def test_an_admin_with_a_password_keeps_their_link_outside_the_group(sso_on):
    kim = service.create_admin("kim", PASSWORD, "kim@example.com")
    sso.link(kim, identity())
    assert sso.account_for(identity(claims={"groups": []})).id == kim.id      # they made their own account


def test_an_unverified_email_is_not_linked_and_says_why(sso_on, set_settings):
    set_settings(OIDC_LINK_BY_EMAIL="true")
    service.create_admin("kim", PASSWORD, "kim@example.com")
    with pytest.raises(sso.SignInRefused, match="Keycloak has not verified the email of kim"):
        sso.account_for(identity(verified=False))
    assert ExternalIdentity.select().count() == 0


def test_someone_outside_the_group_is_told_how_to_get_in(sso_on, set_settings):
    with pytest.raises(sso.SignInRefused, match="add it to the plex-admins group"):
        sso.account_for(identity(claims={"groups": ["family"]}))
    set_settings(OIDC_ADMIN_VALUE="")
    with pytest.raises(sso.SignInRefused, match=r"kim is not an admin here. An admin can link it from their account page\.$"):
        sso.account_for(identity())


def test_a_nested_role_claim_makes_an_admin_under_a_free_clean_name(sso_on, set_settings, make_user):
    set_settings(OIDC_ADMIN_CLAIM="realm_access.roles")
    make_user("kim")
    user = sso.account_for(identity(username="kim", claims={"realm_access": {"roles": ["plex-admins", 7]}}))
    assert user.is_admin and user.username == "kim-2" and user.email == "kim@example.com"
    other = sso.account_for(identity(subject="sub-2", username="", email="lee.o'neil@example.com",
                                     claims={"realm_access": {"roles": "plex-admins"}}))
    assert other.username == "lee.oneil"
    entry = AuditEntry.select().where(AuditEntry.action == "admin.created").order_by(AuditEntry.id).first()
    assert "member of plex-admins" in entry.message
    # The same identity next time is the same admin.
    assert sso.account_for(identity(username="kim", claims={"realm_access": {"roles": ["plex-admins"]}})).id == user.id


def test_an_identity_held_by_another_admin_is_not_moved(sso_on):
    kim = service.create_admin("kim", PASSWORD, "kim@example.com")
    lee = service.create_admin("lee", PASSWORD, "lee@example.com")
    assert sso.link(kim, identity()) is None
    assert sso.link(lee, identity()) == "That account is already linked to another admin."
    assert sso.link(kim, identity()) is None                     # again, by its own admin: fine
    assert [e.user_id for e in ExternalIdentity.select()] == [kim.id]


def test_the_callback_address_follows_the_public_url(db, set_settings):
    set_settings(BASE_URL="https://portal.example.com/")
    assert sso.redirect_uri() == "https://portal.example.com/auth/oidc/callback"
    set_settings(BASE_URL="")
    assert sso.redirect_uri() == "http://<plexportal address>/auth/oidc/callback"      # outside a request
