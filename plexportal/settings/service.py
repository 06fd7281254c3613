"""Reading and writing settings: environment > database > default (secrets encrypted at rest)."""
from __future__ import annotations

import logging
import os
import threading
import time

from plexportal.db import db, db_session
from plexportal.lib import clock
from plexportal.security import SecretBox, mask
from plexportal.settings.models import Setting
from plexportal.settings.registry import InvalidSetting, SettingDef, all_defs, get_def

_box: SecretBox | None = None
_lock = threading.Lock()
_cache: dict[str, str] = {}
_cache_at = 0.0
_unreadable: set[str] = set()
log = logging.getLogger(__name__)
CACHE_SECONDS = 2.0   # how soon another process (web ↔ worker) sees a change


def configure(box: SecretBox) -> None:
    global _box
    _box = box
    invalidate()


def invalidate() -> None:
    global _cache_at
    with _lock:
        _cache.clear()
        _cache_at = 0.0


def _rows() -> dict[str, str]:
    global _cache, _cache_at
    now = time.monotonic()
    with _lock:
        if _cache_at and now - _cache_at < CACHE_SECONDS:
            return _cache
    with db_session():
        rows = {s.key: s.value for s in Setting.select()}
    decoded = {}
    for key, value in rows.items():
        d = all_defs().get(key)
        if d is not None and d.is_secret and value:
            value = _box.decrypt(value) if _box else None
            if value is None:
                if key not in _unreadable:
                    _unreadable.add(key)
                    log.warning("the stored %s cannot be decrypted with PLEXPORTAL_SECRET_KEY; after changing "
                                "the key set PLEXPORTAL_SECRET_KEY_PREVIOUS to the old one, or enter it again", key)
                continue      # unreadable with our keys: treat as unset rather than leak a token
        decoded[key] = value
    with _lock:
        _cache = decoded
        _cache_at = now
    return decoded


def is_locked(key: str) -> bool:
    """Set by environment variable, or settable only there: shown read-only in the UI."""
    d = get_def(key)
    return d.host_only or os.environ.get(d.env_var, "") != ""


def host_only_message(d: SettingDef) -> str:
    return (f"Set {d.env_var} in the environment or the .env file on the server (then restart); "
            "programs plexportal runs are never chosen from a page.")


def source(key: str) -> str:
    """Where the value in effect comes from: env, database or default."""
    d = get_def(key)
    if os.environ.get(d.env_var, "") != "":
        return "env"
    if d.host_only:
        return "default"
    value = _rows().get(key)
    return "default" if value is None or value == "" else "database"


def get(key: str) -> str:
    d = get_def(key)
    env = os.environ.get(d.env_var, "")
    if env != "":
        return env
    if d.host_only:
        return d.default           # a value stored before it became host-only is ignored
    value = _rows().get(key)
    return d.default if value is None or value == "" else value


def get_int(key: str) -> int:
    value = get(key)
    try:
        return int(value)
    except ValueError:
        return int(get_def(key).default or 0)


def get_bool(key: str) -> bool:
    return get(key).strip().lower() in ("1", "true", "yes", "on")


def is_set(key: str) -> bool:
    return get(key) != ""


def set_value(key: str, raw) -> str:
    """Validate and store one value; returns the stored text. Raises InvalidSetting or PermissionError."""
    d = get_def(key)
    if d.host_only:
        raise InvalidSetting(key, host_only_message(d))
    if is_locked(key):
        raise InvalidSetting(key, f"Locked by the environment variable {d.env_var}.")
    value = d.clean(raw)
    set_many({key: value}, cleaned=True)
    return value


def set_many(values: dict[str, object], *, cleaned: bool = False) -> None:
    """Validate all, then store all in one short transaction (nothing stored if one is bad)."""
    stored: dict[str, str] = {}
    errors: dict[str, str] = {}
    for key, raw in values.items():
        d = get_def(key)
        if d.host_only:
            errors[key] = host_only_message(d)
            continue
        if is_locked(key):
            errors[key] = f"Locked by the environment variable {d.env_var}."
            continue
        try:
            stored[key] = raw if cleaned else d.clean(raw)
        except InvalidSetting as err:
            errors[key] = err.message
    if errors:
        raise SettingsInvalid(errors)
    now = clock.now()
    with db.atomic():
        for key, value in stored.items():
            d = get_def(key)
            text = _box.encrypt(value) if (d.is_secret and value) else value
            (Setting.insert(key=key, value=text, updated_at=now)
             .on_conflict(conflict_target=[Setting.key], update={Setting.value: text, Setting.updated_at: now})
             .execute())
    invalidate()


class SettingsInvalid(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def display_value(d: SettingDef) -> str:
    """The value as a page may show it (secrets masked)."""
    value = get(d.key)
    return mask(value) if d.is_secret else value


def rotate_secrets() -> int:
    """Re-encrypt every secret with the current key (after PLEXPORTAL_SECRET_KEY_PREVIOUS is set)."""
    count = 0
    with db.atomic():
        for s in Setting.select():
            d = all_defs().get(s.key)
            if d and d.is_secret and s.value and _box.decrypt(s.value) is not None:
                s.value = _box.rotate(s.value)
                s.save()
                count += 1
    invalidate()
    return count
