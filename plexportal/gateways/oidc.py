"""An OpenID Connect provider (Authentik, Authelia, Keycloak, …): discovery, the authorization
code flow with PKCE, and the ID token's checks (DESIGN law 6).

Authlib builds the authorization request and exchanges the code (its OAuth2Session, on our
session's adapters: timeouts, User-Agent); joserfc checks the token's signature against the
provider's published keys and Authlib's CodeIDToken its claims: issuer, audience (our client id),
expiry, issue time, nonce, authorized party and the access-token hash. The client secret is only
sent to the issuer's own address, and the token call never follows a redirect (law 11). Authlib and
joserfc are imported by the functions that use them (with cryptography, about 13 MB that only a
sign-in through the provider needs).
"""
from __future__ import annotations

import base64
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests

from plexportal.gateways.base import CheckResult, GatewayError, describe_exception
from plexportal.lib import http

if TYPE_CHECKING:
    from authlib.integrations.requests_client import OAuth2Session
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

log = logging.getLogger(__name__)

SERVICE = "the sign-in provider"
ASYMMETRIC = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
SYMMETRIC = ["HS256", "HS384", "HS512"]        # signed with the client secret (Authentik without a signing key)
LEEWAY = 120                                   # seconds of clock difference allowed between us and the provider
DISCOVERY_CACHE = 600


@dataclass
class Client:
    issuer: str
    client_id: str
    client_secret: str
    scopes: str = "openid email profile"


@dataclass
class Provider:
    issuer: str                         # as the provider spells it (maybe with a trailing slash)
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    algorithms: list[str] = field(default_factory=list)
    token_auth_methods: list[str] = field(default_factory=list)
    userinfo_endpoint: str = ""          # only one on the issuer's own address (the access token goes there)


@dataclass
class Identity:
    issuer: str
    subject: str
    email: str
    email_verified: bool
    name: str
    username: str
    claims: dict[str, Any]

    def values(self, claim: str) -> list[str]:
        """A claim as a list of strings (groups, roles…), whether the provider sent a list or one value.
        A dotted name reaches into nested claims (Keycloak's realm_access.roles)."""
        value: object = self.claims
        for part in (claim or "").split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, str):
            return [value]
        if isinstance(value, list):
            return [str(v) for v in value if isinstance(v, (str, int))]
        return []


class TokenRefused(GatewayError):
    """The provider's answer or ID token failed a check: a tampered or replayed callback."""


def _same_issuer(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or ""), parts.port


_cache: dict[str, tuple[float, Provider]] = {}
_lock = threading.Lock()


def discover(issuer: str, *, timeout: http.Timeout = http.CHECK_TIMEOUT, fresh: bool = False,
             session: requests.Session | None = None) -> Provider:
    """Read <issuer>/.well-known/openid-configuration (cached for ten minutes)."""
    key = issuer.rstrip("/")
    with _lock:
        hit = _cache.get(key)
    if hit and not fresh and time.monotonic() - hit[0] < DISCOVERY_CACHE:
        return hit[1]
    provider = _provider(_discovery_document(key, timeout, session or http.session(retries=1)), issuer, key)
    with _lock:
        _cache[key] = (time.monotonic(), provider)
    return provider


def _discovery_document(key: str, timeout: http.Timeout, s: requests.Session) -> dict[str, Any]:
    """The issuer's discovery document as a JSON object; GatewayError for anything else."""
    try:
        response = s.get(key + "/.well-known/openid-configuration", timeout=timeout,
                         headers={"Accept": "application/json"})
    except Exception as err:  # noqa: BLE001 - every transport failure becomes a GatewayError
        raise describe_exception(err, SERVICE) from None
    if response.status_code == 404:
        raise GatewayError("No OpenID Connect discovery document at that issuer URL (404). Check the URL: it is "
                           "the issuer, e.g. https://auth.example.com/application/o/plexportal/.", permanent=True)
    if response.status_code >= 400:
        raise GatewayError(f"{SERVICE} answered {response.status_code} to the discovery request.",
                           permanent=response.status_code < 500, status=response.status_code)
    try:
        doc = response.json()
    except ValueError:
        raise GatewayError("The issuer URL did not answer with a discovery document (not JSON).", permanent=True) from None
    if not isinstance(doc, dict):
        raise GatewayError("The issuer URL did not answer with a discovery document.", permanent=True)
    return doc


def _provider(doc: dict[str, Any], issuer: str, key: str) -> Provider:
    """The provider the document describes, once it is complete, about this issuer, and keeps the
    client secret on the issuer's address."""
    names = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
    missing = [n for n in names if not isinstance(doc.get(n), str) or not doc.get(n)]
    if missing:
        raise GatewayError(f"The discovery document lacks {', '.join(missing)}.", permanent=True)
    if len(doc["issuer"]) > 500 or len(doc["authorization_endpoint"]) > 2000:
        raise GatewayError("The discovery document's addresses are too long to be real.", permanent=True)
    if not _same_issuer(doc["issuer"], issuer):
        raise GatewayError(f"The provider calls itself {doc['issuer'][:120]}, not the issuer URL entered: "
                           "use exactly that URL.", permanent=True)
    if _origin(doc["token_endpoint"]) != _origin(key):
        # The client secret goes to the token endpoint: only to the address it was saved with.
        raise GatewayError("The provider's token endpoint is on another address than the issuer; plexportal "
                           "sends the client secret only to the issuer's address.", permanent=True)
    userinfo = doc.get("userinfo_endpoint") if isinstance(doc.get("userinfo_endpoint"), str) else ""
    algs = [a for a in (doc.get("id_token_signing_alg_values_supported") or ["RS256"]) if a in ASYMMETRIC + SYMMETRIC]
    return Provider(issuer=doc["issuer"], authorization_endpoint=doc["authorization_endpoint"],
                    token_endpoint=doc["token_endpoint"], jwks_uri=doc["jwks_uri"], algorithms=algs or ["RS256"],
                    token_auth_methods=[m for m in doc.get("token_endpoint_auth_methods_supported") or []
                                        if isinstance(m, str)],
                    userinfo_endpoint=userinfo if userinfo and _origin(userinfo) == _origin(key) else "")


def _oauth(provider: Provider, client: Client, redirect_uri: str, timeout: http.Timeout) -> OAuth2Session:
    from authlib.integrations.requests_client import OAuth2Session

    methods = provider.token_auth_methods
    auth_method = "client_secret_post" if methods and "client_secret_basic" not in methods \
        and "client_secret_post" in methods else "client_secret_basic"
    oauth = OAuth2Session(client.client_id, client.client_secret, scope=client.scopes, redirect_uri=redirect_uri,
                          code_challenge_method="S256", token_endpoint_auth_method=auth_method,
                          default_timeout=timeout)
    ours = http.session(retries=0, timeout=timeout)        # our adapters (timeouts) and User-Agent
    for prefix, adapter in ours.adapters.items():
        oauth.mount(prefix, adapter)
    oauth.headers["User-Agent"] = ours.headers["User-Agent"]
    return oauth


def authorization_url(provider: Provider, client: Client, redirect_uri: str, *, state: str, nonce: str,
                      code_verifier: str) -> str:
    oauth = _oauth(provider, client, redirect_uri, http.CHECK_TIMEOUT)
    url, _ = oauth.create_authorization_url(provider.authorization_endpoint, state=state, nonce=nonce,
                                            code_verifier=code_verifier)
    return str(url)


def exchange(provider: Provider, client: Client, *, code: str, redirect_uri: str, code_verifier: str,
             nonce: str, now: int, timeout: http.Timeout = (4, 10)) -> Identity:
    """Trade the code for tokens and check the ID token; raises TokenRefused or GatewayError."""
    from authlib.integrations.base_client.errors import OAuthError
    from authlib.oauth2.rfc6749.errors import OAuth2Error

    oauth = _oauth(provider, client, redirect_uri, timeout)
    try:
        token = oauth.fetch_token(provider.token_endpoint, grant_type="authorization_code", code=code,
                                  code_verifier=code_verifier, allow_redirects=False)
    except (OAuth2Error, OAuthError) as err:      # the requests client raises the latter for an error answer
        if err.error in ("server_error", "temporarily_unavailable"):      # RFC 6749 §5.2's "try again later"
            raise GatewayError(f"{SERVICE} had a problem exchanging the sign-in code ({err.error}).") from None
        raise TokenRefused(f"{SERVICE} refused the sign-in code ({err.error or 'error'}).", permanent=True) from None
    except Exception as err:  # noqa: BLE001
        raise describe_exception(err, SERVICE) from None
    id_token = token.get("id_token") if isinstance(token, dict) else None
    if not isinstance(id_token, str) or not id_token:
        raise TokenRefused(f"{SERVICE} sent no ID token (is the openid scope allowed for this client?).", permanent=True)
    access_token = token.get("access_token") if isinstance(token.get("access_token"), str) else None
    identity = verify_id_token(provider, client, id_token, nonce=nonce, access_token=access_token, now=now,
                               timeout=timeout)
    if provider.userinfo_endpoint and access_token:
        _add_userinfo(provider, identity, access_token, timeout)
    return identity


def _add_userinfo(provider: Provider, identity: Identity, access_token: str, timeout: http.Timeout) -> None:
    """Claims the ID token left out (Authelia keeps it minimal and serves email and groups here).
    The ID token's own claims win; a userinfo answer for another subject is refused (OIDC Core
    5.3.2); a provider whose userinfo endpoint fails leaves the ID token's claims as they are."""
    s = http.session(retries=1, timeout=timeout)
    try:
        response = s.get(provider.userinfo_endpoint, allow_redirects=False,
                         headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"})
        data = response.json() if response.status_code == 200 else None
    except Exception as err:  # noqa: BLE001 - the ID token alone still signs in
        log.warning("userinfo of %s failed: %s", SERVICE, describe_exception(err, SERVICE).message)
        return
    if not isinstance(data, dict):
        log.warning("userinfo of %s answered %s without claims", SERVICE, response.status_code)
        return
    if str(data.get("sub")) != identity.subject:
        raise TokenRefused("The provider's user information is about another account than the ID token.",
                           permanent=True)
    merged = {**data, **identity.claims}
    identity.claims = merged
    identity.email = identity.email or str(merged.get("email") or "")[:254]
    identity.email_verified = merged.get("email_verified") in (True, "true")
    identity.name = identity.name or str(merged.get("name") or "")[:150]
    identity.username = identity.username or str(merged.get("preferred_username") or merged.get("nickname") or "")[:150]


def _keys(provider: Provider, timeout: http.Timeout) -> KeySet:
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    s = http.session(retries=1, timeout=timeout)
    try:
        response = s.get(provider.jwks_uri, headers={"Accept": "application/json"})
    except Exception as err:  # noqa: BLE001
        raise describe_exception(err, SERVICE) from None
    if response.status_code >= 400:
        raise GatewayError(f"{SERVICE} answered {response.status_code} for its signing keys.", status=response.status_code)
    try:
        data = response.json()
        return KeySet.import_key_set({"keys": [k for k in data.get("keys", []) if isinstance(k, dict)
                                               and k.get("kty") in ("RSA", "EC", "OKP")]})
    except (ValueError, AttributeError, JoseError):
        raise GatewayError(f"{SERVICE} published signing keys plexportal cannot read.", permanent=True) from None


def verify_id_token(provider: Provider, client: Client, id_token: str, *, nonce: str, now: int,
                    access_token: str | None = None, timeout: http.Timeout = (4, 10)) -> Identity:
    from authlib.oidc.core import CodeIDToken
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import OctKey
    from joserfc.jws import JWSRegistry

    if len(id_token) > 16_000:
        raise TokenRefused("The ID token is too large.", permanent=True)
    try:
        header = _peek_header(id_token)
    except JoseError:
        raise TokenRefused("The ID token is not a signed token.", permanent=True) from None
    alg = header.get("alg")
    if alg not in provider.algorithms:
        raise TokenRefused(f"The ID token is signed with {alg!s:.20}, which the provider did not announce.", permanent=True)
    key = OctKey.import_key(client.client_secret) if alg in SYMMETRIC else _keys(provider, timeout)
    try:
        token = jwt.decode(id_token, key, registry=JWSRegistry(algorithms=[alg], strict_check_header=False))
    except JoseError:
        raise TokenRefused("The ID token's signature is not the provider's.", permanent=True) from None
    options = {"iss": {"essential": True, "values": [provider.issuer]},
               "aud": {"essential": True, "values": [client.client_id]}}
    claims = CodeIDToken(token.claims, token.header, options,
                         {"nonce": nonce, "client_id": client.client_id, "access_token": access_token})
    try:
        claims.validate(now=now, leeway=LEEWAY)
    except JoseError as err:
        raise TokenRefused(_claim_reason(err), permanent=True) from None
    if not claims.get("nonce"):
        raise TokenRefused("The ID token carries no nonce: it was not made for this sign-in.", permanent=True)
    c = dict(claims)
    return Identity(issuer=provider.issuer, subject=str(c["sub"])[:255], email=str(c.get("email") or "")[:254],
                    email_verified=c.get("email_verified") in (True, "true"),
                    name=str(c.get("name") or "")[:150],
                    username=str(c.get("preferred_username") or c.get("nickname") or "")[:150], claims=c)


def _peek_header(id_token: str) -> dict[str, Any]:
    """The token's header, read before its signature is checked, only to pick the key."""
    from joserfc.errors import JoseError

    try:
        head = id_token.split(".")[0]
        data = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (ValueError, IndexError):
        raise JoseError("bad header") from None
    if not isinstance(data, dict):
        raise JoseError("bad header")
    return data


def _claim_reason(err: JoseError) -> str:
    text = str(getattr(err, "description", "") or err)
    claim = getattr(err, "claim", "") or ""
    if "expired" in text.lower() or claim == "exp" or err.__class__.__name__ == "ExpiredTokenError":
        return "The ID token has expired (or the clocks of plexportal and the provider differ by minutes)."
    if "nonce" in text or claim == "nonce":
        return "The ID token was made for another sign-in (nonce does not match)."
    if "aud" in text or claim in ("aud", "azp"):
        return "The ID token was made for another application (audience is not this client id)."
    if "iss" in text or claim == "iss":
        return "The ID token comes from another issuer."
    return f"The ID token failed a check ({text[:80]})."


def check(issuer: str, client_id: str, redirect_uri: str) -> CheckResult:
    """Settings → Single sign-on → Test connection: read the discovery document."""
    if not issuer:
        return CheckResult(False, "Enter the issuer URL first.")
    try:
        provider = discover(issuer, fresh=True)
    except GatewayError as err:
        return CheckResult(False, err.message)
    note = "" if client_id else " Enter the client id and secret too."
    return CheckResult(True, f"Found the provider at {provider.issuer[:120]}. Redirect URI to register there: "
                             f"{redirect_uri}.{note}", detail=", ".join(provider.algorithms))
