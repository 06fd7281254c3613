"""Passkeys and security keys (WebAuthn, through py_webauthn).

The browser talks to the authenticator; this module makes the challenges and checks the answers.
A challenge lives in the signed session cookie for two minutes and is used once. The relying
party is the address the admin is using (scheme, host and port of the request): a passkey made at
https://portal.example.com works there and nowhere else, which is what makes it phishing-proof.
Sign-in with a passkey alone asks the authenticator for a discoverable credential with user
verification (PIN, fingerprint, face), so the passkey is both factors.

py_webauthn is imported by the functions that use it: it brings pyOpenSSL and cbor2 (about 6 MB),
which no other page, the worker or a command needs.
"""
from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import request, session

from plexportal.auth.models import Passkey, User
from plexportal.db import db
from plexportal.lib import clock
from plexportal.settings import service as settings

if TYPE_CHECKING:
    from webauthn.helpers.structs import PublicKeyCredentialDescriptor

CHALLENGE_KEY = "webauthn"
CHALLENGE_SECONDS = 120
MAX_CREDENTIAL_JSON = 64 * 1024
MAX_PASSKEYS = 20


class PasskeyError(ValueError):
    """A sentence for the person at the keyboard."""


def relying_party() -> tuple[str, str]:
    """(rp id, origin) of this request: the host name, and scheme://host[:port]."""
    origin = f"{request.scheme}://{request.host}"
    return (urlsplit(origin).hostname or "localhost"), origin


def _remember(purpose: str, challenge: bytes, user_id: int | None, handle: bytes | None = None) -> None:
    from webauthn.helpers import bytes_to_base64url

    rp_id, origin = relying_party()
    session[CHALLENGE_KEY] = {"c": bytes_to_base64url(challenge), "p": purpose, "u": user_id, "t": time.time(),
                              "rp": rp_id, "o": origin, "h": bytes_to_base64url(handle) if handle else None}


def _take(purpose: str) -> dict:
    data = session.pop(CHALLENGE_KEY, None)
    if not isinstance(data, dict) or data.get("p") != purpose:
        raise PasskeyError("The passkey request expired. Try again.")
    if time.time() - float(data.get("t") or 0) > CHALLENGE_SECONDS:
        raise PasskeyError("The passkey request expired. Try again.")
    return data


def _descriptor(pk: Passkey) -> PublicKeyCredentialDescriptor:
    from webauthn.helpers import base64url_to_bytes
    from webauthn.helpers.structs import AuthenticatorTransport, PublicKeyCredentialDescriptor

    transports = []
    for t in pk.transports or []:
        try:
            transports.append(AuthenticatorTransport(t))
        except ValueError:
            pass
    return PublicKeyCredentialDescriptor(id=base64url_to_bytes(pk.credential_id), transports=transports or None)


def _parse(credential_json: str) -> dict:
    if not credential_json or len(credential_json) > MAX_CREDENTIAL_JSON:
        raise PasskeyError("The browser sent no usable passkey answer. Try again.")
    try:
        data = json.loads(credential_json)
    except ValueError:
        raise PasskeyError("The browser sent no usable passkey answer. Try again.") from None
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise PasskeyError("The browser sent no usable passkey answer. Try again.")
    return data


def _why(err: Exception) -> str:
    """py_webauthn's reason, as a sentence."""
    text = str(err)
    if "origin" in text or "RP ID" in text:
        return ("That passkey was made for another site (or another address of this one). "
                "Use a passkey registered at this address.")
    if "challenge" in text:
        return "The passkey answered an older request. Try again."
    if "sign count" in text:
        return "That passkey's use counter went backwards, which is what a cloned key looks like: it was refused."
    if "verif" in text:
        return "The passkey did not confirm it was you (PIN, fingerprint or face). Try again."
    return "The passkey answer could not be verified. Try again."


# -- registration ----------------------------------------------------------------------------------

def _user_handle(user: User) -> bytes:
    from webauthn.helpers import base64url_to_bytes, generate_user_handle

    existing = Passkey.select(Passkey.user_handle).where(Passkey.user == user.id).first()
    return base64url_to_bytes(existing.user_handle) if existing else generate_user_handle()


def registration_options(user: User) -> str:
    """The JSON for navigator.credentials.create(): a discoverable credential, this user's
    existing passkeys excluded (so one authenticator is not registered twice)."""
    from webauthn import generate_registration_options, options_to_json
    from webauthn.helpers.structs import (
        AuthenticatorSelectionCriteria,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )

    rp_id, _ = relying_party()
    existing = list(Passkey.select().where(Passkey.user == user.id))
    if len(existing) >= MAX_PASSKEYS:
        raise PasskeyError(f"You have {MAX_PASSKEYS} passkeys; remove one before adding another.")
    handle = _user_handle(user)
    options = generate_registration_options(
        rp_id=rp_id, rp_name=settings.get("SERVER_NAME") or "plexportal", user_name=user.username,
        user_id=handle, user_display_name=user.name,
        exclude_credentials=[_descriptor(pk) for pk in existing],
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED, user_verification=UserVerificationRequirement.PREFERRED))
    _remember("register", options.challenge, user.id, handle)
    return options_to_json(options)


def register(user: User, credential_json: str, name: str) -> Passkey:
    from webauthn import verify_registration_response
    from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
    from webauthn.helpers.exceptions import WebAuthnException

    state = _take("register")
    if state.get("u") != user.id:
        raise PasskeyError("The passkey request expired. Try again.")
    data = _parse(credential_json)
    try:
        verified = verify_registration_response(credential=data, expected_challenge=base64url_to_bytes(state["c"]),
                                                expected_rp_id=state["rp"], expected_origin=state["o"])
    except WebAuthnException as err:
        raise PasskeyError(_why(err)) from None
    except (ValueError, KeyError, TypeError):
        raise PasskeyError("The browser sent no usable passkey answer. Try again.") from None
    credential_id = bytes_to_base64url(verified.credential_id)
    transports = (data.get("response") or {}).get("transports") or []
    name = " ".join((name or "").split())[:80] or _default_name(data)
    with db.atomic():
        if Passkey.select().where(Passkey.credential_id == credential_id).exists():
            raise PasskeyError("This passkey is already registered.")
        return Passkey.create(user=user, credential_id=credential_id,
                              public_key=bytes_to_base64url(verified.credential_public_key),
                              sign_count=verified.sign_count, user_handle=state.get("h") or bytes_to_base64url(_user_handle(user)),
                              name=name, transports=[t for t in transports if isinstance(t, str)][:8],
                              backed_up=bool(getattr(verified, "credential_backed_up", False)))


def _default_name(data: dict) -> str:
    if data.get("authenticatorAttachment") == "platform":
        return "This device"
    return "Security key"


def rename(user: User, passkey_id: int, name: str) -> None:
    name = " ".join((name or "").split())[:80]
    if not name:
        raise PasskeyError("Give the passkey a name.")
    Passkey.update(name=name).where((Passkey.id == passkey_id) & (Passkey.user == user.id)).execute()


def remove(user: User, passkey_id: int) -> Passkey | None:
    pk = Passkey.get_or_none((Passkey.id == passkey_id) & (Passkey.user == user.id))
    if pk is not None:
        pk.delete_instance()
    return pk


# -- authentication --------------------------------------------------------------------------------

def authentication_options(user: User | None = None) -> str:
    """The JSON for navigator.credentials.get(). With `user` (the second factor) only their
    passkeys are allowed; without (sign-in with a passkey alone) the authenticator offers its
    discoverable credentials and must verify the person."""
    from webauthn import generate_authentication_options, options_to_json
    from webauthn.helpers.structs import UserVerificationRequirement

    rp_id, _ = relying_party()
    allow = [_descriptor(pk) for pk in Passkey.select().where(Passkey.user == user.id)] if user else []
    if user is not None and not allow:
        raise PasskeyError("This account has no passkey.")
    options = generate_authentication_options(
        rp_id=rp_id, allow_credentials=allow,
        user_verification=UserVerificationRequirement.PREFERRED if user else UserVerificationRequirement.REQUIRED)
    _remember("second" if user else "signin", options.challenge, user.id if user else None)
    return options_to_json(options)


def authenticate(credential_json: str, user: User | None = None) -> Passkey:
    """Check the authenticator's answer; returns the passkey used (its user is who signed in)."""
    from webauthn import verify_authentication_response
    from webauthn.helpers import base64url_to_bytes
    from webauthn.helpers.exceptions import WebAuthnException

    state = _take("second" if user else "signin")
    if (user.id if user else None) != state.get("u"):
        raise PasskeyError("The passkey request expired. Try again.")
    data = _parse(credential_json)
    pk = Passkey.get_or_none(Passkey.credential_id == data["id"][:1400])
    if pk is None:
        raise PasskeyError("That passkey is not registered here (it may have been removed). "
                           "Sign in another way, or use another passkey.")
    if user is not None and pk.user_id != user.id:
        raise PasskeyError("That passkey belongs to another account.")
    handle = (data.get("response") or {}).get("userHandle")
    if handle and handle != pk.user_handle:
        raise PasskeyError("That passkey belongs to another account.")
    try:
        verified = verify_authentication_response(
            credential=data, expected_challenge=base64url_to_bytes(state["c"]), expected_rp_id=state["rp"],
            expected_origin=state["o"], credential_public_key=base64url_to_bytes(pk.public_key),
            credential_current_sign_count=pk.sign_count, require_user_verification=user is None)
    except WebAuthnException as err:
        raise PasskeyError(_why(err)) from None
    except (ValueError, KeyError, TypeError):
        raise PasskeyError("The browser sent no usable passkey answer. Try again.") from None
    # A conditional update: two answers racing with the same counter cannot both be accepted.
    moved = (Passkey.update(sign_count=verified.new_sign_count, last_used_at=clock.now())
             .where((Passkey.id == pk.id) & (Passkey.sign_count == pk.sign_count)).execute())
    if moved != 1:
        raise PasskeyError("The passkey answer could not be verified. Try again.")
    return pk
