"""A fake OpenID Connect provider (what Authentik, Authelia or Keycloak do for plexportal): a real
HTTP server on 127.0.0.1 with discovery, an authorization endpoint that approves at once for the
account in `signed_in`, a token endpoint that checks the client secret, the code and its PKCE
verifier, and RS256-signed ID tokens whose keys are published as JWKS.

`tamper` makes the next ID tokens lie the ways a forged or replayed callback would:
"nonce", "audience", "expired", "signature", "issuer", "no-nonce", or "userinfo-sub" (the userinfo
endpoint answers for someone else). `minimal_id_token` puts only the protocol claims in the ID
token and the rest behind /userinfo, as Authelia does."""
from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from urllib.parse import urlencode

from flask import Flask, Response, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.fakes.server import FakeService


class FakeOIDC(FakeService):
    name = "oidc"

    def __init__(self, client_id: str = "plexportal", client_secret: str = "s3cret-client", issuer_path: str = "/application/o/plexportal/"):
        self.client_id = client_id
        self.client_secret = client_secret
        self.issuer_path = issuer_path
        self.key = RSAKey.generate_key(2048, parameters={"kid": "key-1", "use": "sig", "alg": "RS256"})
        self.other_key = RSAKey.generate_key(2048, parameters={"kid": "key-1", "use": "sig", "alg": "RS256"})
        self.signed_in: dict | None = {"sub": "u-1001", "preferred_username": "alice", "email": "alice@example.com",
                                       "email_verified": True, "name": "Alice", "groups": ["family"]}
        self.codes: dict[str, dict] = {}
        self.tamper: str | None = None
        self.deny: str | None = None            # an OAuth error to answer on /authorize (access_denied…)
        self.minimal_id_token = False
        self.access: dict[str, dict] = {}       # access token -> the user it was issued for
        super().__init__()

    @property
    def issuer(self) -> str:
        return self.url + self.issuer_path

    def _id_token(self, grant: dict, access_token: str) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": grant["user"]["sub"], "aud": self.client_id, "iat": now, "exp": now + 300,
                  "auth_time": now, "nonce": grant["nonce"], "azp": self.client_id,
                  "at_hash": _half_hash(access_token)}
        if not self.minimal_id_token:
            claims.update({k: v for k, v in grant["user"].items() if k != "sub"})
        key = self.key
        if self.tamper == "nonce":
            claims["nonce"] = "someone-elses-nonce"
        elif self.tamper == "no-nonce":
            claims.pop("nonce")
        elif self.tamper == "audience":
            claims["aud"] = "another-app"
            claims["azp"] = "another-app"
        elif self.tamper == "expired":
            claims["iat"], claims["exp"] = now - 3600, now - 1800
        elif self.tamper == "issuer":
            claims["iss"] = "https://evil.example/"
        elif self.tamper == "signature":
            key = self.other_key            # same kid, another key: what a forger would have
        return jwt.encode({"alg": "RS256", "kid": "key-1"}, claims, key)

    def routes(self, app: Flask) -> None:
        base = self.issuer_path.rstrip("/")

        @app.get(base + "/.well-known/openid-configuration")
        def discovery():
            return Response(json.dumps({
                "issuer": self.issuer, "authorization_endpoint": self.url + base + "/authorize",
                "token_endpoint": self.url + base + "/token", "jwks_uri": self.url + base + "/jwks",
                "userinfo_endpoint": self.url + base + "/userinfo", "response_types_supported": ["code"],
                "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"], "scopes_supported": ["openid", "email", "profile", "groups"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"]}),
                mimetype="application/json")

        @app.get(base + "/jwks")
        def jwks():
            return Response(json.dumps({"keys": [self.key.as_dict(private=False)]}), mimetype="application/json")

        @app.get(base + "/userinfo")
        def userinfo():
            auth = request.headers.get("Authorization", "")
            user = self.access.get(auth.removeprefix("Bearer ")) if auth.startswith("Bearer ") else None
            if user is None:
                return _error("invalid_token", 401)
            data = dict(user)
            if self.tamper == "userinfo-sub":
                data["sub"] = "someone-else"
            return Response(json.dumps(data), mimetype="application/json")

        @app.get(base + "/authorize")
        def authorize():
            args = request.args
            target = args.get("redirect_uri", "")
            if args.get("client_id") != self.client_id or not target:
                return Response("unknown client", 400)
            if self.deny:
                return redirect(target + "?" + urlencode({"error": self.deny, "error_description": "Policy denied access",
                                                          "state": args.get("state", "")}))
            if args.get("code_challenge_method") != "S256" or not args.get("code_challenge"):
                return redirect(target + "?" + urlencode({"error": "invalid_request", "state": args.get("state", "")}))
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"user": dict(self.signed_in or {}), "nonce": args.get("nonce", ""),
                                "challenge": args["code_challenge"], "redirect_uri": target,
                                "scope": args.get("scope", "")}
            return redirect(target + "?" + urlencode({"code": code, "state": args.get("state", "")}))

        @app.post(base + "/token")
        def token():
            form = request.form
            client_id, secret = form.get("client_id"), form.get("client_secret")
            if request.authorization and request.authorization.type == "basic":
                client_id, secret = request.authorization.username, request.authorization.password
            if client_id != self.client_id or secret != self.client_secret:
                return _error("invalid_client", 401)
            grant = self.codes.pop(form.get("code", ""), None)          # a code works once
            if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
                return _error("invalid_grant")
            verifier = form.get("code_verifier", "")
            expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if expected != grant["challenge"]:
                return _error("invalid_grant")
            access = secrets.token_urlsafe(24)
            self.access[access] = grant["user"]
            return Response(json.dumps({"access_token": access, "token_type": "Bearer", "expires_in": 300,
                                        "id_token": self._id_token(grant, access)}), mimetype="application/json")


def _half_hash(value: str) -> str:
    digest = hashlib.sha256(value.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def _error(code: str, status: int = 400) -> Response:
    return Response(json.dumps({"error": code}), status=status, mimetype="application/json")
