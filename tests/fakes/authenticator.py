"""A software WebAuthn authenticator (ES256, "none" attestation) for tests without a browser: it
builds the same bytes a passkey does (authenticator data, attestation object, client data JSON,
signature), so the server-side checks run for real. It can also lie the way a phishing page or a
cloned key would: another origin, another RP id, a counter that goes backwards.

The browser tests use Chromium's own virtual authenticator instead (tests/e2e)."""
from __future__ import annotations

import hashlib
import json
import os
import struct

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec


def b64url(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftAuthenticator:
    def __init__(self, origin: str = "http://localhost", rp_id: str = "localhost"):
        self.origin = origin
        self.rp_id = rp_id
        self.credentials: dict[bytes, dict] = {}       # id -> {key, user_handle, count}

    def _auth_data(self, rp_id: str, flags: int, count: int, attested: bytes = b"") -> bytes:
        return hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", count) + attested

    def _client_data(self, kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}).encode()

    def create(self, options: dict, *, origin: str | None = None, rp_id: str | None = None) -> str:
        """navigator.credentials.create() with the server's options JSON; returns the credential JSON."""
        key = ec.generate_private_key(ec.SECP256R1())
        numbers = key.public_key().public_numbers()
        cose = cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})
        cred_id = os.urandom(32)
        self.credentials[cred_id] = {"key": key, "user_handle": options["user"]["id"], "count": 0}
        attested = b"\0" * 16 + struct.pack(">H", len(cred_id)) + cred_id + cose
        auth_data = self._auth_data(rp_id or options["rp"]["id"], 0x01 | 0x04 | 0x40, 0, attested)
        client = self._client_data("webauthn.create", options["challenge"], origin or self.origin)
        att = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return json.dumps({"id": b64url(cred_id), "rawId": b64url(cred_id), "type": "public-key",
                           "authenticatorAttachment": "platform", "clientExtensionResults": {},
                           "response": {"clientDataJSON": b64url(client), "attestationObject": b64url(att),
                                        "transports": ["internal"]}})

    def get(self, options: dict, *, origin: str | None = None, rp_id: str | None = None, cred_id: bytes | None = None,
            count: int | None = None, user_verified: bool = True) -> str:
        """navigator.credentials.get(): signs with the given (or first allowed / only) credential."""
        if cred_id is None:
            allowed = [unb64url(c["id"]) for c in options.get("allowCredentials") or []]
            cred_id = next((c for c in allowed if c in self.credentials), None) or next(iter(self.credentials))
        cred = self.credentials[cred_id]
        cred["count"] = cred["count"] + 1 if count is None else count
        flags = 0x01 | (0x04 if user_verified else 0)
        auth_data = self._auth_data(rp_id or options.get("rpId") or self.rp_id, flags, cred["count"])
        client = self._client_data("webauthn.get", options["challenge"], origin or self.origin)
        signature = cred["key"].sign(auth_data + hashlib.sha256(client).digest(), ec.ECDSA(hashes.SHA256()))
        return json.dumps({"id": b64url(cred_id), "rawId": b64url(cred_id), "type": "public-key",
                           "authenticatorAttachment": "platform", "clientExtensionResults": {},
                           "response": {"clientDataJSON": b64url(client), "authenticatorData": b64url(auth_data),
                                        "signature": b64url(signature), "userHandle": cred["user_handle"]}})
