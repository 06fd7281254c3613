"""Tolerant readers for decoded JSON: a value of the wrong type reads as "absent", never as a crash.

Gateways build their dataclasses with these, so a remote system that leaves a field out, sends
null, or changes a type between versions gives an empty field rather than a KeyError deep in an
area (DESIGN law 14: only the gateway knows the keys, and it never trusts their types).
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

Json = Any                 # whatever json.loads returned: read it only through the helpers below
UNKNOWN_DAY = "9999-12-31"          # Radarr's releaseDate when no date is known


def obj(value: object) -> dict[str, Any]:
    """A JSON object, or {} for anything else (null, a list, a string…)."""
    return value if isinstance(value, dict) else {}


def objects(value: object) -> list[dict[str, Any]]:
    """The objects of a JSON array, skipping anything that is not one."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def integer(value: object) -> int | None:
    """An integer, or None (booleans and floats with a fraction are not ids or counts)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    return float(value)


def text(value: object, limit: int | None = None) -> str:
    """A string (numbers become their text), "" for null or structures."""
    if isinstance(value, str):
        out = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        out = str(value)
    else:
        out = ""
    return out[:limit] if limit is not None else out


def optional_text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def flag(value: object, default: bool = False) -> bool:
    return value if isinstance(value, bool) else default


def moment(value: object) -> datetime | None:
    """An ISO-8601 time as an aware UTC datetime ("…Z", an offset, or none = UTC); None when it is
    missing, unreadable, or Radarr's 9999-12-31 "unknown"."""
    if not isinstance(value, str) or not value or value.startswith(UNKNOWN_DAY):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def iso(value: datetime | str) -> str:
    """A time as the *arrs and Seerr take it in a query: UTC, whole seconds, "Z"."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)
