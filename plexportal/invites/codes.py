"""Pure helpers: invite codes (Crockford base32), expiry and uses parsing. No I/O."""
from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, time, timedelta

from plexportal.i18n import N_, Refused

# Crockford base32: no I, L, O, U, so a code read aloud or from a screen cannot be mistyped.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code(length: int = CODE_LENGTH) -> str:
    if length < 10:
        raise ValueError("invite codes are at least 10 characters")
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalize(code: str | None) -> str:
    """What a person typed or a link carried → the stored form (upper case, no separators)."""
    text = re.sub(r"[\s\-_]", "", (code or "")).upper().translate(_CONFUSABLE)
    return text if text and all(c in ALPHABET for c in text) and len(text) <= 32 else ""


def is_valid_custom(code: str) -> str | None:
    """A problem with an admin-chosen code, or None."""
    norm = normalize(code)
    if not norm:
        return N_("Use letters and digits only (no I, L, O or U).")
    if len(norm) < 10:
        return N_("Use at least 10 characters so the link cannot be guessed.")
    return None


_DURATION = re.compile(r"^\s*(\d{1,4})\s*([hdw])\s*$", re.IGNORECASE)


def parse_expiry(text: str | None, now: datetime, tz=UTC) -> datetime | None:
    """'' → None (never); '7d', '12h', '2w' → now + that; '2026-12-31' (end of that day) or
    '2026-12-31 18:00' / ISO in the given zone → that moment in UTC. Raises ValueError."""
    text = (text or "").strip()
    if not text or text.lower() in ("never", "none"):
        return None
    m = _DURATION.match(text)
    if m:
        n, unit = int(m.group(1)), m.group(2).lower()
        if n == 0:
            raise Refused(N_("A duration must be at least 1."))
        delta = {"h": timedelta(hours=n), "d": timedelta(days=n), "w": timedelta(weeks=n)}[unit]
        return now + delta
    for fmt in ("%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            value = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if fmt == "%Y-%m-%d":
            value = datetime.combine(value.date(), time(23, 59, 59))
        value = value.replace(tzinfo=tz).astimezone(UTC)
        if value <= now:
            raise Refused(N_("That moment has already passed."))
        return value
    raise Refused(N_("Use a duration such as 7d, 12h or 2w, or a date such as 2026-12-31 or 2026-12-31 18:00."))


def parse_uses(text: str | None) -> int | None:
    """'' / 'unlimited' → None; a whole number ≥ 1 → it. Raises ValueError."""
    text = (text or "").strip().lower()
    if text in ("", "unlimited", "∞", "0"):
        return None
    try:
        n = int(text)
    except ValueError:
        raise Refused(N_("Enter a whole number of uses, or leave empty for unlimited.")) from None
    if n < 1:
        raise Refused(N_("An invite needs at least 1 use."))
    return n


def parse_ids(text: str | list | None) -> list[int]:
    if isinstance(text, list):
        items = text
    else:
        items = re.split(r"[,\s]+", text or "")
    out = []
    for item in items:
        item = str(item).strip()
        if item:
            out.append(int(item))
    return sorted(set(out))
