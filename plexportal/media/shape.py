"""Reading webhook bodies of unknown shape (pure). A subscriber asks for the fields it needs; a
field of the wrong type raises ShapeError naming it, which `events.publish` logs as one line
(event, subscriber, field) instead of a traceback. Missing fields are simply None/empty."""
from __future__ import annotations


class ShapeError(ValueError):
    def __init__(self, field: str, expected: str, got: object):
        super().__init__(f"{field}: expected {expected}, got {type(got).__name__}")
        self.field = field


def obj(body: dict, key: str, where: str = "") -> dict:
    """body[key] as a dict ({} when missing or null)."""
    value = body.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ShapeError(f"{where}{key}", "an object", value)
    return value


def objects(body: dict, key: str, where: str = "") -> list[dict]:
    """body[key] as a list of dicts ([] when missing); entries that are not objects are an error."""
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ShapeError(f"{where}{key}", "a list", value)
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise ShapeError(f"{where}{key}[{i}]", "an object", item)
    return value


def int_id(value, field: str) -> int | None:
    """An id: an int or a string of digits (Seerr sends strings); None when missing or empty."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ShapeError(field, "a number", value)
    if isinstance(value, int):
        return value if -2**63 <= value < 2**63 else None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value.strip()) < 19:
        return int(value.strip())
    raise ShapeError(field, "a number", value)


def text(value, field: str, limit: int = 2000) -> str:
    if value is None:
        return ""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)[:limit]
    raise ShapeError(field, "text", value)
