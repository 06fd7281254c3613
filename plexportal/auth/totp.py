"""Authenticator-app codes (TOTP, RFC 6238, through pyotp) and the single-use recovery codes that
stand in for a lost phone.

The shared secret is stored encrypted with the app's secret key. A code is accepted for the
current 30-second step and one step either side (phones drift), and never twice: the step of the
last accepted code is kept and the next code must be for a later one, claimed with a conditional
UPDATE so two requests carrying the same code cannot both pass. Recovery codes carry 80 random bits
and only their SHA-256 is stored.
"""
from __future__ import annotations

import hashlib
import hmac
import io
import re
import secrets

import pyotp
import segno
from flask import current_app

from plexportal.auth.models import RecoveryCode, TotpFactor, User
from plexportal.db import db
from plexportal.lib import clock
from plexportal.security import SecretBox
from plexportal.settings import service as settings

RECOVERY_CODES = 10
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"      # Crockford's base 32: no i, l, o, u to misread
_CODE_RE = re.compile(r"^\d{6}$")


class TotpError(ValueError):
    pass


def _box() -> SecretBox:
    cfg = current_app.config["PLEXPORTAL"]
    return SecretBox(cfg.secret_key, cfg.secret_key_previous)


def _factor(user: User, confirmed: bool | None = True) -> TotpFactor | None:
    query = TotpFactor.select().where(TotpFactor.user == user.id)
    if confirmed is True:
        query = query.where(TotpFactor.confirmed_at.is_null(False))
    return query.first()


def _secret(factor: TotpFactor) -> str | None:
    return _box().decrypt(factor.secret)


def is_enabled(user: User) -> bool:
    return _factor(user) is not None


# -- enrolment -------------------------------------------------------------------------------------

def begin_enrolment(user: User) -> str:
    """A new secret for this user, not yet asked at sign-in; returns it (base 32)."""
    if is_enabled(user):
        raise TotpError("An authenticator app is already set up; turn it off first to set up another.")
    secret = pyotp.random_base32()
    with db.atomic():
        TotpFactor.delete().where(TotpFactor.user == user.id).execute()
        TotpFactor.create(user=user, secret=_box().encrypt(secret))
    return secret


def enrolling_secret(user: User) -> str | None:
    factor = _factor(user, confirmed=None)
    if factor is None or factor.confirmed_at is not None:
        return None
    return _secret(factor)


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=settings.get("SERVER_NAME") or "plexportal")


def qr_svg(uri: str) -> str:
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, border=2, dark="#111111", light="#ffffff",
                                    xmldecl=False, svgns=True, title="Scan with your authenticator app")
    return out.getvalue().decode()


def confirm_enrolment(user: User, code: str) -> list[str]:
    """The first code proves the app has the secret: the factor is on from now. Returns the
    recovery codes (shown once)."""
    factor = _factor(user, confirmed=None)
    if factor is None or factor.confirmed_at is not None:
        raise TotpError("Start the set-up again: the key shown before is no longer waiting.")
    step = _matching_step(factor, code)
    if step is None:
        raise TotpError("That code is not right. Check the app shows plexportal and type the current code.")
    now = clock.now()
    with db.atomic():
        TotpFactor.update(confirmed_at=now, last_step=step, last_used_at=now).where(TotpFactor.id == factor.id).execute()
        return _replace_recovery_codes(user)


def disable(user: User) -> None:
    with db.atomic():
        TotpFactor.delete().where(TotpFactor.user == user.id).execute()
        RecoveryCode.delete().where(RecoveryCode.user == user.id).execute()


# -- checking codes --------------------------------------------------------------------------------

def _clean_code(code: str | None) -> str:
    return re.sub(r"[\s-]", "", code or "")[:12]


def _matching_step(factor: TotpFactor, code: str | None) -> int | None:
    code = _clean_code(code)
    secret = _secret(factor)
    if not _CODE_RE.match(code) or secret is None:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(clock.now())
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def verify(user: User, code: str | None) -> bool:
    """A right code for a time step later than the last one used; claims that step."""
    factor = _factor(user)
    if factor is None:
        return False
    step = _matching_step(factor, code)
    if step is None or step <= factor.last_step:
        return False
    claimed = (TotpFactor.update(last_step=step, last_used_at=clock.now())
               .where((TotpFactor.id == factor.id) & (TotpFactor.last_step < step)).execute())
    return claimed == 1


# -- recovery codes --------------------------------------------------------------------------------

def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _normalize_recovery(text: str | None) -> str:
    text = re.sub(r"[\s-]", "", (text or "").lower())[:40]
    return text.translate(str.maketrans("oil", "011"))


def _new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def _replace_recovery_codes(user: User) -> list[str]:
    codes = [_new_code() for _ in range(RECOVERY_CODES)]
    RecoveryCode.delete().where(RecoveryCode.user == user.id).execute()
    now = clock.now()
    for code in codes:
        RecoveryCode.create(user=user, code_hash=_hash(_normalize_recovery(code)), created_at=now)
    return codes


def new_recovery_codes(user: User) -> list[str]:
    """Replace every recovery code of the user (the old ones stop working)."""
    if not is_enabled(user):
        raise TotpError("Set up an authenticator app first.")
    with db.atomic():
        return _replace_recovery_codes(user)


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.select().where((RecoveryCode.user == user.id) & RecoveryCode.used_at.is_null()).count()


def use_recovery_code(user: User, text: str | None) -> bool:
    """Spend one recovery code; True when it was one of this user's unused codes."""
    code = _normalize_recovery(text)
    if len(code) != 16:
        return False
    used = (RecoveryCode.update(used_at=clock.now())
            .where((RecoveryCode.user == user.id) & (RecoveryCode.code_hash == _hash(code))
                   & RecoveryCode.used_at.is_null()).execute())
    return used == 1

