"""The OpenID Connect gateway against the fake provider: a discovery document that is missing,
broken or lying, the ten-minute cache, signing keys that cannot be read, ID tokens that are not
tokens, and claims read the way providers really send them."""
from __future__ import annotations

import base64
import json
import time

import pytest

from plexportal.gateways import oidc
from plexportal.gateways.base import GatewayError
from tests.fakes.oidc import FakeOIDC

DISCOVERY = "/application/o/plexportal/.well-known/openid-configuration"


@pytest.fixture
def idp():
    oidc._cache.clear()
    fake = FakeOIDC().start()
    yield fake
    fake.stop()
    oidc._cache.clear()


def client(fake):
    return oidc.Client(fake.issuer, fake.client_id, fake.client_secret)


def doc(fake, **changes):
    base = fake.url + "/application/o/plexportal"
    out = {"issuer": fake.issuer, "authorization_endpoint": base + "/authorize", "token_endpoint": base + "/token",
           "jwks_uri": base + "/jwks", "userinfo_endpoint": base + "/userinfo"}
    out.update(changes)
    return {k: v for k, v in out.items() if v is not None}


def test_discovery_reads_the_provider_and_keeps_it_ten_minutes(idp):
    provider = oidc.discover(idp.issuer)
    assert provider.issuer == idp.issuer and provider.algorithms == ["RS256"]
    assert provider.userinfo_endpoint.endswith("/userinfo")
    oidc.discover(idp.issuer)
    oidc.discover(idp.issuer.rstrip("/"))                       # the same issuer, spelled without the slash
    assert len(idp.calls_to(DISCOVERY)) == 1
    oidc.discover(idp.issuer, fresh=True)                        # the Test button always asks
    assert len(idp.calls_to(DISCOVERY)) == 2


@pytest.mark.parametrize("status,body,permanent,words", [
    (404, "", True, "No OpenID Connect discovery document at that issuer URL (404)"),
    (403, "", True, "answered 403 to the discovery request"),
    (502, "", False, "answered 502 to the discovery request"),
    (200, "<html>login</html>", True, "did not answer with a discovery document (not JSON)"),
    (200, ["issuer"], True, "did not answer with a discovery document."),
])
def test_a_bad_discovery_answer_says_what_is_wrong(idp, status, body, permanent, words):
    idp.fail_next(status, body, path=DISCOVERY, times=2)
    with pytest.raises(GatewayError) as err:
        oidc.discover(idp.issuer, fresh=True)
    assert words in err.value.message and err.value.permanent is permanent
    assert oidc._cache == {}                                      # a failure is never cached


@pytest.mark.parametrize("changes,words", [
    ({"jwks_uri": None, "token_endpoint": ""}, "lacks token_endpoint, jwks_uri"),
    ({"issuer": 42}, "lacks issuer"),
    ({"authorization_endpoint": "https://x/" + "a" * 2100}, "too long to be real"),
])
def test_an_incomplete_or_absurd_document_is_refused(idp, changes, words):
    idp.fail_next(200, doc(idp, **changes), path=DISCOVERY)
    with pytest.raises(GatewayError, match=words):
        oidc.discover(idp.issuer, fresh=True)


def test_a_userinfo_endpoint_on_another_address_is_ignored_not_trusted(idp):
    idp.fail_next(200, doc(idp, userinfo_endpoint="http://127.0.0.2:9/userinfo"), path=DISCOVERY)
    assert oidc.discover(idp.issuer, fresh=True).userinfo_endpoint == ""


def test_only_algorithms_plexportal_knows_are_accepted(idp):
    idp.fail_next(200, doc(idp, id_token_signing_alg_values_supported=["none", "HS256", "XX999"]), path=DISCOVERY)
    assert oidc.discover(idp.issuer, fresh=True).algorithms == ["HS256"]
    idp.fail_next(200, doc(idp, id_token_signing_alg_values_supported=["none"]), path=DISCOVERY)
    assert oidc.discover(idp.issuer, fresh=True).algorithms == ["RS256"]       # never "none"


def sign_in(idp, provider, nonce="n-1", ours=None):
    """The provider approves at once: the code comes back on the redirect, then is exchanged."""
    from urllib.parse import parse_qs, urlsplit

    import requests

    url = oidc.authorization_url(provider, client(idp), "http://localhost/cb", state="st", nonce=nonce,
                                 code_verifier="v" * 50)
    back = requests.get(url, allow_redirects=False, timeout=5).headers["Location"]
    code = parse_qs(urlsplit(back).query)["code"][0]
    return oidc.exchange(provider, ours or client(idp), code=code, redirect_uri="http://localhost/cb",
                         code_verifier="v" * 50, nonce=nonce, now=int(time.time()))


def test_the_secret_goes_in_the_body_only_for_a_provider_that_takes_nothing_else(idp):
    who = sign_in(idp, oidc.discover(idp.issuer))
    [basic] = idp.calls_to("/application/o/plexportal/token")
    assert basic.headers["Authorization"].startswith("Basic ") and b"client_secret" not in basic.body
    assert (who.subject, who.username, who.email_verified) == ("u-1001", "alice", True)
    idp.reset_calls()
    idp.fail_next(200, doc(idp, token_endpoint_auth_methods_supported=["client_secret_post"]), path=DISCOVERY)
    sign_in(idp, oidc.discover(idp.issuer, fresh=True))
    [post] = idp.calls_to("/application/o/plexportal/token")
    assert "Authorization" not in post.headers and b"client_secret=s3cret-client" in post.body


def test_a_code_used_twice_is_refused_by_the_provider(idp):
    from urllib.parse import parse_qs, urlsplit

    import requests

    provider = oidc.discover(idp.issuer)
    url = oidc.authorization_url(provider, client(idp), "http://localhost/cb", state="s", nonce="n",
                                 code_verifier="w" * 50)
    code = parse_qs(urlsplit(requests.get(url, allow_redirects=False, timeout=5).headers["Location"]).query)["code"][0]
    kw = dict(code=code, redirect_uri="http://localhost/cb", code_verifier="w" * 50, nonce="n", now=int(time.time()))
    oidc.exchange(provider, client(idp), **kw)
    with pytest.raises(oidc.TokenRefused, match=r"refused the sign-in code \(invalid_grant\)"):
        oidc.exchange(provider, client(idp), **kw)


def test_a_wrong_client_secret_is_a_refusal_not_an_outage(idp):
    provider = oidc.discover(idp.issuer)
    stale = oidc.Client(idp.issuer, idp.client_id, "the-secret-before-it-was-rotated")
    with pytest.raises(oidc.TokenRefused) as err:
        sign_in(idp, provider, ours=stale)
    assert err.value.message == "the sign-in provider refused the sign-in code (invalid_client)."
    assert err.value.permanent


@pytest.mark.parametrize("error", ["server_error", "temporarily_unavailable"])
def test_a_provider_that_says_try_again_later_is_not_a_refusal(idp, error):
    provider = oidc.discover(idp.issuer)
    idp.fail_next(400, {"error": error}, path="/application/o/plexportal/token")
    with pytest.raises(GatewayError) as err:
        sign_in(idp, provider)
    assert not isinstance(err.value, oidc.TokenRefused) and not err.value.permanent
    assert error in err.value.message


def test_a_token_endpoint_that_answers_without_an_id_token_is_refused(idp):
    provider = oidc.discover(idp.issuer)
    idp.fail_next(200, {"access_token": "a", "token_type": "Bearer"}, path="/application/o/plexportal/token")
    with pytest.raises(oidc.TokenRefused, match="sent no ID token"):
        sign_in(idp, provider)


def test_a_token_endpoint_that_is_down_is_worth_retrying(idp):
    provider = oidc.discover(idp.issuer)
    idp.fail_next(0, path="/application/o/plexportal/token", delay=1.2)
    with pytest.raises(GatewayError) as err:
        from urllib.parse import parse_qs, urlsplit

        import requests

        url = oidc.authorization_url(provider, client(idp), "http://localhost/cb", state="s", nonce="n",
                                     code_verifier="x" * 50)
        code = parse_qs(urlsplit(requests.get(url, allow_redirects=False, timeout=5).headers["Location"]).query)
        oidc.exchange(provider, client(idp), code=code["code"][0], redirect_uri="http://localhost/cb",
                      code_verifier="x" * 50, nonce="n", now=int(time.time()), timeout=(1, 0.4))
    assert not err.value.permanent and not isinstance(err.value, oidc.TokenRefused)
    assert "did not answer in time" in err.value.message


def b64(data) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("token,words", [
    ("not-a-token", "not a signed token"),
    ("!!!.e30.sig", "not a signed token"),
    (b64(["a", "list"]) + ".e30.sig", "not a signed token"),
    (b64({"alg": "none"}) + ".e30.", "signed with none, which the provider did not announce"),
    (b64({"alg": "HS256"}) + ".e30.c2ln", "signed with HS256, which the provider did not announce"),
    ("x" * 16_001, "too large"),
])
def test_an_id_token_that_is_not_a_token_of_ours_is_refused_before_any_key_is_fetched(idp, token, words):
    provider = oidc.discover(idp.issuer)
    idp.reset_calls()
    with pytest.raises(oidc.TokenRefused, match=words) as err:
        oidc.verify_id_token(provider, client(idp), token, nonce="n", now=int(time.time()))
    assert err.value.permanent
    assert idp.calls_to("/application/o/plexportal/jwks") == []


def test_signing_keys_that_cannot_be_fetched_or_read_say_so(idp):
    provider = oidc.discover(idp.issuer)
    token = b64({"alg": "RS256", "kid": "key-1"}) + ".e30.c2ln"
    idp.fail_next(503, path="/application/o/plexportal/jwks", times=2)
    with pytest.raises(GatewayError, match="answered 503 for its signing keys") as err:
        oidc.verify_id_token(provider, client(idp), token, nonce="n", now=int(time.time()))
    assert not err.value.permanent
    idp.fail_next(200, "[1, 2]", path="/application/o/plexportal/jwks")
    with pytest.raises(GatewayError, match="signing keys plexportal cannot read") as err:
        oidc.verify_id_token(provider, client(idp), token, nonce="n", now=int(time.time()))
    assert err.value.permanent


def test_a_token_signed_with_the_client_secret_is_checked_with_it(idp):
    from joserfc import jwt
    from joserfc.jwk import OctKey

    provider = oidc.Provider(idp.issuer, "a", "t", "j", algorithms=["HS256"])
    now = int(time.time())
    claims = {"iss": idp.issuer, "sub": "u-7", "aud": idp.client_id, "iat": now, "exp": now + 300, "nonce": "n",
              "email": "bob@example.com", "email_verified": "true"}
    good = jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(idp.client_secret))
    who = oidc.verify_id_token(provider, client(idp), good, nonce="n", now=now)
    assert (who.subject, who.email, who.email_verified) == ("u-7", "bob@example.com", True)
    forged = jwt.encode({"alg": "HS256"}, claims, OctKey.import_key("guessed-secret"))
    with pytest.raises(oidc.TokenRefused, match="signature is not the provider's"):
        oidc.verify_id_token(provider, client(idp), forged, nonce="n", now=now)
    stale = jwt.encode({"alg": "HS256"}, {**claims, "iat": now - 4000, "exp": now - 3000},
                       OctKey.import_key(idp.client_secret))
    with pytest.raises(oidc.TokenRefused, match="has expired"):
        oidc.verify_id_token(provider, client(idp), stale, nonce="n", now=now)


def test_claims_are_read_as_lists_whatever_the_provider_sends():
    who = oidc.Identity("i", "s", "", False, "", "", {
        "groups": ["family", "admins", 7, {"odd": 1}], "role": "admin",
        "realm_access": {"roles": ["plexportal-admin"]}, "nested": {"deep": "x"}})
    assert who.values("groups") == ["family", "admins", "7"]
    assert who.values("role") == ["admin"]
    assert who.values("realm_access.roles") == ["plexportal-admin"]          # Keycloak
    assert who.values("nested.deep") == ["x"]
    assert who.values("missing") == [] and who.values("") == [] and who.values("role.deeper") == []


def test_the_test_button_answers_in_words(idp):
    assert oidc.check("", "id", "http://x/cb").message == "Enter the issuer URL first."
    ok = oidc.check(idp.issuer, "", "http://localhost/auth/oidc/callback")
    assert ok.ok and "Redirect URI to register there: http://localhost/auth/oidc/callback." in ok.message
    assert "Enter the client id and secret too." in ok.message and ok.detail == "RS256"
    idp.fail_next(404, path=DISCOVERY)
    bad = oidc.check(idp.issuer, "id", "http://x/cb")
    assert not bad.ok and "(404)" in bad.message


def test_the_authorization_address_carries_pkce_state_and_nonce(idp):
    provider = oidc.discover(idp.issuer)
    url = oidc.authorization_url(provider, client(idp), "http://localhost/cb", state="st", nonce="no",
                                 code_verifier="v" * 50)
    assert url.startswith(provider.authorization_endpoint + "?")
    for part in ("state=st", "nonce=no", "code_challenge_method=S256", "client_id=plexportal", "response_type=code"):
        assert part in url
    assert "v" * 50 not in url and idp.client_secret not in url               # the verifier and secret stay here
