"""Single sign-on against a fake OpenID provider served on 127.0.0.1: discovery, PKCE, state and
nonce, the group that makes an admin, linking by verified email only when allowed, and every
tampered callback refused with a sentence and nobody signed in."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from plexportal.admin.models import AuditEntry
from plexportal.auth.models import ExternalIdentity, User, UserSession
from plexportal.gateways import oidc as gateway
from tests.conftest import Browserless
from tests.fakes.oidc import FakeOIDC


@pytest.fixture
def provider(set_settings):
    fake = FakeOIDC().start()
    gateway._cache.clear()
    set_settings(OIDC_ISSUER=fake.issuer, OIDC_CLIENT_ID=fake.client_id, OIDC_CLIENT_SECRET=fake.client_secret,
                 OIDC_PROVIDER_NAME="Authentik", OIDC_ADMIN_VALUE="plexportal-admins", OIDC_SCOPES="openid email profile groups")
    yield fake
    fake.stop()
    gateway._cache.clear()


def _go(web, fake, start="/auth/oidc/start"):
    """Press the button, let the provider approve, follow the callback. Returns the callback response."""
    r = web.get(start)
    assert r.status_code == 303, r.get_data(as_text=True)
    at_provider = requests.get(r.headers["Location"], allow_redirects=False, timeout=5)
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["Location"])
    assert back.path == "/auth/oidc/callback"
    return web.get(back.path + "?" + back.query)


def _admin_member(fake, **extra):
    fake.signed_in = {"sub": "u-1001", "preferred_username": "alice", "email": "alice@example.com",
                      "email_verified": True, "name": "Alice", "groups": ["family", "plexportal-admins"], **extra}


def _flash(web) -> str:
    return web.get("/auth/login").get_data(as_text=True)


def test_it_names_the_provider_on_the_sign_in_button(web, admin, provider):
    assert "Sign in with Authentik" in web.get("/auth/login").get_data(as_text=True)


def test_it_sends_pkce_state_and_nonce_and_makes_an_admin_of_the_admin_group(web, admin, provider):
    _admin_member(provider)
    r = web.get("/auth/oidc/start?next=/settings/")
    query = parse_qs(urlsplit(r.headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0] and query["redirect_uri"] == ["http://localhost/auth/oidc/callback"]
    assert query["scope"] == ["openid email profile groups"]
    at_provider = requests.get(r.headers["Location"], allow_redirects=False, timeout=5)
    back = urlsplit(at_provider.headers["Location"])
    done = web.get(back.path + "?" + back.query)
    assert done.status_code == 303 and done.headers["Location"] == "/settings/"
    [token_call] = provider.calls_to(provider.issuer_path + "token")
    assert token_call.body and b"code_verifier=" in token_call.body
    assert "Authorization" in token_call.headers                  # client_secret_basic
    alice = User.get(User.username == "alice")
    assert alice.is_admin and alice.email == "alice@example.com" and not alice.has_password
    assert ExternalIdentity.get().subject == "u-1001"
    assert UserSession.get().method == "oidc"
    assert web.get("/settings/").status_code == 200
    entry = AuditEntry.select().where(AuditEntry.action == "auth.signin").get()
    assert "with Authentik" in entry.message


def test_it_signs_the_same_person_into_the_same_account_next_time(app, web, admin, provider):
    _admin_member(provider)
    _go(web, provider)
    again = Browserless(app.test_client())
    assert _go(again, provider).headers["Location"] == "/"
    assert User.select().where(User.role == "admin").count() == 2


def test_it_refuses_someone_outside_the_admin_group(web, admin, provider):
    r = _go(web, provider)
    assert r.status_code == 303 and r.headers["Location"] == "/auth/login"
    assert "alice is not an admin here" in _flash(web)
    assert UserSession.select().count() == 0 and User.select().count() == 1


def test_it_ends_a_group_made_admin_when_they_leave_the_group(app, web, admin, provider):
    _admin_member(provider)
    _go(web, provider)
    provider.signed_in["groups"] = ["family"]
    other = Browserless(app.test_client())
    assert _go(other, provider).headers["Location"] == "/auth/login"
    assert "no longer in the plexportal-admins group" in _flash(other)


def test_it_links_by_verified_email_only_when_allowed(app, web, admin, provider, set_settings):
    provider.signed_in.update(email="admin@example.com")
    assert _go(web, provider).headers["Location"] == "/auth/login"          # off by default
    set_settings(OIDC_LINK_BY_EMAIL="true")
    provider.signed_in.update(email_verified=False)
    w2 = Browserless(app.test_client())
    assert _go(w2, provider).headers["Location"] == "/auth/login"
    assert "has not verified the email" in _flash(w2)
    provider.signed_in.update(email_verified=True)
    w3 = Browserless(app.test_client())
    assert _go(w3, provider).headers["Location"] == "/"
    assert ExternalIdentity.get().user_id == admin.id
    assert UserSession.get().user_id == admin.id


def test_it_links_from_the_account_page_and_then_signs_in(app, logged_in, admin, provider):
    r = _go(logged_in, provider, start="/auth/oidc/start?intent=link")
    assert r.headers["Location"] == "/auth/account"
    assert ExternalIdentity.get().user_id == admin.id
    assert "alice@example.com" in logged_in.get("/auth/account").get_data(as_text=True)
    web = Browserless(app.test_client())
    assert _go(web, provider).headers["Location"] == "/"
    logged_in.post("/auth/oidc/unlink", htmx=True)
    assert ExternalIdentity.select().count() == 0


@pytest.mark.parametrize("tamper, words", [
    ("nonce", "nonce does not match"), ("no-nonce", "nonce"), ("audience", "another application"),
    ("expired", "has expired"), ("signature", "signature is not the provider"), ("issuer", "another issuer"),
])
def test_it_refuses_a_tampered_id_token(web, admin, provider, tamper, words):
    _admin_member(provider)
    provider.tamper = tamper
    r = _go(web, provider)
    assert r.status_code == 303 and r.headers["Location"] == "/auth/login"
    page = _flash(web)
    assert words in page and "Nobody was signed in" in page
    assert UserSession.select().count() == 0 and User.select().count() == 1


def test_it_reads_groups_and_email_from_userinfo_when_the_id_token_is_minimal(app, web, admin, provider, set_settings):
    _admin_member(provider)
    provider.minimal_id_token = True                        # Authelia's way
    assert _go(web, provider).headers["Location"] == "/"
    alice = User.get(User.username == "alice")
    assert alice.is_admin and alice.email == "alice@example.com"
    [call] = provider.calls_to(provider.issuer_path + "userinfo")
    assert call.headers["Authorization"].startswith("Bearer ")


def test_it_refuses_userinfo_about_another_account(web, admin, provider):
    _admin_member(provider)
    provider.minimal_id_token = True
    provider.tamper = "userinfo-sub"
    assert _go(web, provider).headers["Location"] == "/auth/login"
    assert "about another account" in _flash(web)
    assert UserSession.select().count() == 0


def test_it_signs_in_on_the_id_token_alone_when_userinfo_fails(web, admin, provider):
    _admin_member(provider)
    provider.fail_next(503, path=provider.issuer_path + "userinfo", times=3)
    assert _go(web, provider).headers["Location"] == "/"


def test_it_refuses_a_callback_with_another_state_or_replayed(app, web, admin, provider):
    _admin_member(provider)
    r = web.get("/auth/oidc/start")
    back = urlsplit(requests.get(r.headers["Location"], allow_redirects=False, timeout=5).headers["Location"])
    params = parse_qs(back.query)
    forged = web.get(f"/auth/oidc/callback?code={params['code'][0]}&state=attacker-state")
    assert forged.headers["Location"] == "/auth/login"
    assert "(state)" in _flash(web)
    assert web.get(back.path + "?" + back.query).headers["Location"] == "/auth/login"   # the flow was used up
    stranger = Browserless(app.test_client())                     # a link opened in another browser
    assert stranger.get(back.path + "?" + back.query).headers["Location"] == "/auth/login"
    assert "opened in another browser" in _flash(stranger)
    assert UserSession.select().count() == 0


def test_it_says_what_the_provider_refused(web, admin, provider):
    provider.deny = "access_denied"
    assert _go(web, provider).headers["Location"] == "/auth/login"
    assert "did not let this account into plexportal" in _flash(web)


def test_it_says_so_when_the_provider_is_down(web, admin, provider):
    provider.stop()
    gateway._cache.clear()
    r = web.get("/auth/oidc/start")
    assert r.headers["Location"] == "/auth/login"
    assert "Authentik cannot be reached right now" in _flash(web)


def test_it_says_so_when_the_token_endpoint_fails(web, admin, provider):
    _admin_member(provider)
    provider.fail_next(500, {"error": "server_error"}, path=provider.issuer_path + "token")
    r = _go(web, provider)
    assert r.headers["Location"] == "/auth/login"
    page = _flash(web)
    assert "Nobody was signed in" in page or "cannot be reached" in page
    assert UserSession.select().count() == 0


def test_it_throttles_failed_callbacks(web, admin, provider):
    provider.tamper = "signature"
    _admin_member(provider)
    for _ in range(5):
        _go(web, provider)
    r = web.get("/auth/oidc/start")
    back = urlsplit(requests.get(r.headers["Location"], allow_redirects=False, timeout=5).headers["Location"])
    assert web.get(back.path + "?" + back.query).status_code == 429


def test_it_tests_the_connection_by_reading_the_discovery_document(logged_in, provider):
    r = logged_in.post("/settings/test/Single sign-on", data={"OIDC_ISSUER": provider.issuer}, htmx=True)
    text = r.get_data(as_text=True)
    assert "Found the provider" in text and "http://localhost/auth/oidc/callback" in text
    r = logged_in.post("/settings/test/Single sign-on", data={"OIDC_ISSUER": provider.url + "/nothing"}, htmx=True)
    assert "No OpenID Connect discovery document" in r.get_data(as_text=True)


class _MovedTokenEndpoint(FakeOIDC):
    """A discovery document whose token endpoint is on another address than the issuer."""

    def routes(self, app):
        @app.get("/moved/.well-known/openid-configuration")
        def doc():
            return {"issuer": self.url + "/moved", "authorization_endpoint": self.url + "/moved/authorize",
                    "token_endpoint": "http://127.0.0.2:9/token", "jwks_uri": self.url + "/moved/jwks"}


def test_it_never_sends_the_client_secret_to_another_address(db):
    fake = _MovedTokenEndpoint().start()
    try:
        with pytest.raises(gateway.GatewayError) as err:
            gateway.discover(fake.url + "/moved", fresh=True)
    finally:
        fake.stop()
    assert "only to the issuer's address" in err.value.message


def test_it_refuses_a_provider_that_names_another_issuer(provider):
    with pytest.raises(gateway.GatewayError) as err:
        gateway.discover(provider.url + "/application/o/plexportal-typo", fresh=True)
    assert err.value.permanent
