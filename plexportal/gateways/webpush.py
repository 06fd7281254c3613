"""Web Push: one encrypted message to a browser's push service (RFC 8030; the payload encrypted
with aes128gcm, RFC 8291; signed with the server's VAPID key, RFC 8292). The only importer of
pywebpush and py_vapid.

The endpoint is an address a browser handed us and the server POSTs to, so it is an outbound URL
chosen by someone else (SSRF): https only, and only to public addresses (checked again when the
connection is made, lib/netguard), unless the host is in `allowed` (a test or development setup).
Redirects are never followed, timeouts are short, and the push service's answer body is never
repeated: only its status code."""
from __future__ import annotations

import base64
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid  # type: ignore[import-untyped]
from pywebpush import WebPushException, webpush  # type: ignore[import-untyped]

from plexportal.gateways.base import GatewayError
from plexportal.lib import http, netguard

TIMEOUT = (3.0, 10.0)           # connect, read: a push service answers at once or is in trouble
TTL = 24 * 3600                 # a phone that is off for a day still gets the message
MAX_PAYLOAD = 3000              # push services accept 4096 bytes after encryption


@dataclass(frozen=True)
class PushTarget:
    endpoint: str
    p256dh: str
    auth: str


class SubscriptionGone(GatewayError):
    """The push service says the subscription no longer exists (404/410): remove it."""

    def __init__(self, status: int):
        super().__init__(f"The push service says this subscription is gone ({status}); it was removed.",
                         permanent=True, status=status)


def generate_private_key() -> str:
    """A new VAPID signing key (P-256), as PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def public_key(private_pem: str) -> str:
    """The applicationServerKey a browser subscribes with: the public point, uncompressed, base64url."""
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise GatewayError("The VAPID key is not an elliptic-curve key.", permanent=True)
    raw = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def endpoint_problem(endpoint: str, allowed: list[str], *, resolve: bool = True) -> str | None:
    """Why the server must not POST to this endpoint (None: it may). Resolves the host name unless
    `resolve` is False; the connection is checked again when a message is sent."""
    if not endpoint or len(endpoint) > 1000 or any(c.isspace() for c in endpoint):
        return "The push endpoint is not a URL."
    try:
        parts = urlsplit(endpoint)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "The push endpoint is not a URL."
    if not host or parts.username is not None or parts.password is not None:
        return "The push endpoint is not a URL."
    listed = netguard.listed(host, allowed)
    if parts.scheme != "https" and not (parts.scheme == "http" and listed):
        return "The push endpoint must be an https address."
    if listed or not resolve:
        return None
    try:
        netguard.check(host, port, netguard.Policy([]))
    except netguard.Blocked:
        return "The push endpoint is not a public address."
    except (socket.gaierror, UnicodeError):
        return "The push endpoint's host name could not be found."
    return None


def send(target: PushTarget, payload: bytes, *, private_pem: str, subject: str,
         allowed: list[str], ttl: int = TTL) -> int:
    """Encrypt `payload` for the subscription and POST it to its push service. Returns the status
    code (201). Raises SubscriptionGone (404/410), a permanent GatewayError for another 4xx (except
    408/429) or an endpoint that may not be reached, and a temporary one for 5xx, 408, 429,
    timeouts and connection failures."""
    problem = endpoint_problem(target.endpoint, allowed, resolve=False)
    if problem:
        raise GatewayError(problem, permanent=True)
    if len(payload) > MAX_PAYLOAD:
        raise GatewayError("The push message is too large.", permanent=True)
    vapid = Vapid.from_pem(private_pem.encode())
    session = http.session(retries=0, timeout=TIMEOUT)
    info = {"endpoint": target.endpoint, "keys": {"p256dh": target.p256dh, "auth": target.auth}}
    policy = netguard.Policy(list(allowed))
    try:
        with netguard.public_only(allowed) as policy:
            try:
                response = webpush(info, data=payload, vapid_private_key=vapid,
                                   vapid_claims={"sub": subject}, ttl=ttl, timeout=TIMEOUT,
                                   requests_session=session, content_encoding="aes128gcm")
            except WebPushException as err:
                if err.response is None:
                    raise GatewayError("The push subscription's keys are not usable.", permanent=True) from None
                response = err.response
    except netguard.Blocked:
        raise GatewayError("The push endpoint is not a public address.", permanent=True) from None
    except requests.RequestException as err:
        if policy.blocked:
            raise GatewayError("The push endpoint is not a public address.", permanent=True) from None
        raise _transport_error(err) from None
    except (ValueError, TypeError):
        raise GatewayError("The push subscription's keys are not usable.", permanent=True) from None
    finally:
        session.close()
    if policy.blocked:
        raise GatewayError("The push endpoint is not a public address.", permanent=True)
    status = int(getattr(response, "status_code", 0) or 0)
    if status in (200, 201, 202):
        return status
    if status in (404, 410):
        raise SubscriptionGone(status)
    if 300 <= status < 400:
        raise GatewayError(f"The push service answered with a redirect ({status}).", permanent=True, status=status)
    if 400 <= status < 500 and status not in (408, 429):
        raise GatewayError(f"The push service refused the message ({status}).", permanent=True, status=status)
    raise GatewayError(f"The push service could not take the message now ({status}).", status=status)


def _transport_error(err: requests.RequestException) -> GatewayError:
    if isinstance(err, requests.exceptions.ConnectTimeout | requests.exceptions.ReadTimeout):
        return GatewayError("The push service did not answer in time.")
    if isinstance(err, requests.exceptions.SSLError):
        return GatewayError("The push service's TLS certificate was not accepted.")
    return GatewayError("Could not reach the push service.")
