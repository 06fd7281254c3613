"""A Web Push service on 127.0.0.1, as a browser's push service behaves (RFC 8030, 8291, 8292).

`new_subscription()` plays the browser: it makes a P-256 key pair and an auth secret, keeps the
private half, and returns what `PushSubscription.toJSON()` gives a page (the endpoint points here).
Every POST to an endpoint is checked like a real push service checks it:

- `Authorization: vapid t=<JWT>,k=<public key>`: the JWT is ES256, its signature verifies with `k`
  (and `k` is the server key the test expects, when set), `aud` is the endpoint's origin, `exp` is
  in the future and at most 24 hours away, `sub` is present (mailto: or https:);
- `Content-Encoding: aes128gcm` and a `TTL` header;
- the body decrypts with the subscription's private key and auth secret (http_ece).

A message that passes is kept in `received` (the decrypted JSON); one that does not is answered
400/401/403 and kept in `rejected` with the reason. `answer_next(status)` makes the next POST
answer 404, 410, 429, 500… (404/410 also forget the subscription, as a push service does)."""
from __future__ import annotations

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from flask import Flask, Response, request

from tests.fakes.server import FakeService


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Device:
    id: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes


@dataclass
class Received:
    device: str
    message: dict
    headers: dict
    claims: dict
    at: float = field(default_factory=time.time)


class FakeWebPush(FakeService):
    name = "webpush"

    def __init__(self):
        self.devices: dict[str, Device] = {}
        self.received: list[Received] = []
        self.rejected: list[tuple[str, str]] = []
        self.expected_key: str | None = None       # the server's VAPID public key, when the test knows it
        self._answers: list[int] = []
        self._state = threading.Lock()
        super().__init__()

    # -- the browser's side ------------------------------------------------------------------
    def new_subscription(self) -> dict:
        key = ec.generate_private_key(ec.SECP256R1())
        device = Device(b64url(os.urandom(12)), key, os.urandom(16))
        self.devices[device.id] = device
        public = key.public_key().public_bytes(serialization.Encoding.X962,
                                               serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": f"{self.url}/push/{device.id}", "expirationTime": None,
                "keys": {"p256dh": b64url(public), "auth": b64url(device.auth)}}

    def answer_next(self, status: int, times: int = 1) -> None:
        with self._state:
            self._answers.extend([status] * times)

    def messages(self) -> list[dict]:
        return [r.message for r in self.received]

    # -- the push service --------------------------------------------------------------------
    def routes(self, app: Flask) -> None:
        @app.post("/push/<device_id>")
        def push(device_id):
            device = self.devices.get(device_id)
            if device is None:
                return Response("no such subscription", 404)
            try:
                claims = self._check_vapid(request.headers.get("Authorization", ""))
                self._check_headers(request.headers)
                message = self._decrypt(device, request.get_data())
            except Rejected as err:
                self.rejected.append((device_id, err.reason))
                return Response(err.reason, err.status)
            with self._state:
                answer = self._answers.pop(0) if self._answers else 201
            if answer in (404, 410):
                self.devices.pop(device_id, None)
            if answer >= 300:
                return Response("push service says no", answer)
            self.received.append(Received(device_id, message, dict(request.headers), claims))
            return Response("", 201, {"Location": f"{self.url}/message/{len(self.received)}"})

    def _check_vapid(self, header: str) -> dict:
        if not header.startswith("vapid "):
            raise Rejected(401, "Authorization is not 'vapid t=…,k=…'")
        parts = dict(p.strip().split("=", 1) for p in header[len("vapid "):].split(",") if "=" in p)
        token, key = parts.get("t", ""), parts.get("k", "")
        if not token or not key:
            raise Rejected(401, "vapid header lacks t or k")
        if self.expected_key is not None and key != self.expected_key:
            raise Rejected(403, "k is not the server's key")
        try:
            head_b64, claims_b64, sig_b64 = token.split(".")
            head = json.loads(unb64url(head_b64))
            claims = json.loads(unb64url(claims_b64))
            sig = unb64url(sig_b64)
        except ValueError:
            raise Rejected(401, "the JWT is not three base64url parts of JSON") from None
        if head.get("alg") != "ES256" or len(sig) != 64:
            raise Rejected(401, "the JWT is not ES256")
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
        der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
        try:
            public.verify(der, f"{head_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise Rejected(401, "the JWT signature does not verify with k") from None
        if claims.get("aud") != self.url:
            raise Rejected(401, f"aud is {claims.get('aud')!r}, not the endpoint's origin")
        exp = claims.get("exp")
        if not isinstance(exp, int) or exp <= time.time() or exp > time.time() + 24 * 3600:
            raise Rejected(401, "exp is not within the next 24 hours")
        sub = str(claims.get("sub") or "")
        if not sub.startswith(("mailto:", "https:")):
            raise Rejected(401, "sub is missing")
        return claims

    @staticmethod
    def _check_headers(headers) -> None:
        if headers.get("Content-Encoding") != "aes128gcm":
            raise Rejected(400, "Content-Encoding is not aes128gcm")
        ttl = headers.get("TTL", "")
        if not ttl.isdigit():
            raise Rejected(400, "TTL header missing")

    @staticmethod
    def _decrypt(device: Device, body: bytes) -> dict:
        try:
            plain = http_ece.decrypt(body, private_key=device.private_key, auth_secret=device.auth,
                                     version="aes128gcm")
            return json.loads(plain)
        except Exception as err:  # noqa: BLE001 - any failure is the sender's fault
            raise Rejected(400, f"the body does not decrypt ({type(err).__name__})") from None


class Rejected(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason
