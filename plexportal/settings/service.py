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
from plexportal.settings.registry import InvalidSetting, SettingDef, address_of, all_defs, get_def

_box: SecretBox | None = None
_lock = threading.Lock()
_cache: dict[str, str] = {}
_bindings: dict[str, str] = {}          # secret key -> the addresses it was saved with
_moved: set[str] = set()                # secrets already logged as held back (address changed)
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
        _bindings.clear()
        _cache_at = 0.0


def _rows() -> dict[str, str]:
    global _cache, _cache_at
    now = time.monotonic()
    with _lock:
        if _cache_at and now - _cache_at < CACHE_SECONDS:
            return _cache
    with db_session():
        selected = list(Setting.select())
    rows = {s.key: s.value for s in selected}
    bindings = {s.key: s.bound_to for s in selected if s.bound_to is not None}
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
        _bindings.clear()
        _bindings.update(bindings)
        _cache_at = now
    return decoded


def is_stored(key: str) -> bool:
    """Set on purpose (environment or database), not just falling back to a default."""
    d = get_def(key)
    return os.environ.get(d.env_var, "") != "" or bool(_rows().get(key))


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
    if value and d.bound_to and _moved_away(d):
        return d.default           # stored for another address: never sent to this one
    if (value is None or value == "") and d.default_from:
        value = get(d.default_from)
    return d.default if value is None or value == "" else value


# -- secrets bound to their address (DESIGN law 11) ---------------------------------------------

class AddressChanged(InvalidSetting):
    pass


def binding(d: SettingDef, addresses: dict | None = None) -> str:
    """The addresses of a bound secret, from `addresses` (typed values) or the ones in effect."""
    addresses = addresses or {}
    return "\n".join(f"{k}={address_of(get_def(k), addresses[k] if k in addresses else get(k))}"
                      for k in d.bound_to)


def _stored_binding(d: SettingDef) -> str | None:
    _rows()
    with _lock:
        return _bindings.get(d.key)


def _moved_away(d: SettingDef) -> bool:
    stored = _stored_binding(d)
    if stored is None or stored == binding(d):
        return False
    if d.key not in _moved:
        _moved.add(d.key)
        log.warning("the stored %s was saved for another address than %s now says; it is not sent there "
                    "until it is entered again", d.key, " / ".join(d.bound_to))
    return True


def address_changed_message(d: SettingDef) -> str:
    return (f"The address changed: enter the {d.label} again. A stored secret is only "
            "ever sent to the address it was saved with.")


def is_held_back(key: str) -> bool:
    """A secret is stored, but for another address than the one in effect now."""
    d = get_def(key)
    return bool(d.bound_to) and not is_locked(key) and bool(_rows().get(key)) and _moved_away(d)


def secret_for(key: str, addresses: dict) -> str:
    """The stored secret, to be sent to `addresses` (typed, not yet saved): raises AddressChanged
    when they are not the addresses it was saved with."""
    d = get_def(key)
    if not d.bound_to or os.environ.get(d.env_var, ""):
        return get(key)
    value = get(key)
    if not value:
        return ""
    if binding(d, addresses) != (_stored_binding(d) or binding(d)):
        raise AddressChanged(key, address_changed_message(d))
    return value


def get_or_create(key: str, make) -> str:
    """The value of `key`, storing `make()` first when it has none (race-safe: the first stored
    value wins). For values plexportal generates once per install."""
    value = get(key)
    if value:
        return value
    value = make()
    if get_def(key).is_secret:                # a key plexportal makes is stored like any other secret
        assert _box is not None  # nosec B101 # configured by create_app before any request
        value = _box.encrypt(value)
    with db_session():
        Setting.insert(key=key, value=value, updated_at=clock.now()).on_conflict_ignore().execute()
    invalidate()
    return get(key)


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
    bound = _bind(stored, errors)
    if errors:
        raise SettingsInvalid(errors)
    now = clock.now()
    with db.atomic():
        for key, value in stored.items():
            d = get_def(key)
            text = _box.encrypt(value) if (d.is_secret and value) else value
            fields = {Setting.value: text, Setting.updated_at: now}
            if d.bound_to:
                fields[Setting.bound_to] = bound.get(key)
            (Setting.insert(key=key, value=text, updated_at=now, bound_to=bound.get(key))
             .on_conflict(conflict_target=[Setting.key], update=fields)
             .execute())
    invalidate()


def _bind(stored: dict[str, str], errors: dict[str, str]) -> dict[str, str]:
    """The bindings of the secrets being saved; an error for each stored secret that would be
    left behind for a changed address."""
    typed = {k: v for k, v in stored.items() if not get_def(k).is_secret}
    bound = {}
    for d in all_defs().values():
        if not d.bound_to or os.environ.get(d.env_var, ""):
            continue
        if d.key in stored:
            if stored[d.key]:
                bound[d.key] = binding(d, typed)
            continue
        if (any(k in typed for k in d.bound_to) and _rows().get(d.key) and d.key not in errors
                and binding(d, typed) != (_stored_binding(d) or binding(d))):
            errors[d.key] = address_changed_message(d)
    return bound


class SettingsInvalid(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def display_value(d: SettingDef) -> str:
    """The value as a page may show it (secrets masked)."""
    value = get(d.key)
    return mask(value) if d.is_secret else value


def encrypted_columns() -> list[tuple[type, str]]:
    """Every (model, column) holding values encrypted with the SecretBox: a model declares them in
    `class Meta: encrypted = ("column", ...)`; Setting holds them in `value` for secret keys."""
    from plexportal.db import all_models

    found = [(Setting, "value")]
    for model in all_models():
        for column in getattr(model._meta, "encrypted", ()) or ():
            if model is not Setting:
                found.append((model, column))
    return found


def rotate_secrets() -> dict[str, dict[str, int]]:
    """Re-encrypt every encrypted column of every table with the current key (run after setting
    PLEXPORTAL_SECRET_KEY_PREVIOUS to the old key). Returns per table how many values were
    re-encrypted and how many no key could read (left as they are)."""
    report: dict[str, dict[str, int]] = {}
    with db.atomic():
        for model, column in encrypted_columns():
            counts = report.setdefault(model._meta.table_name, {"rotated": 0, "unreadable": 0})
            field = model._meta.fields[column]
            pk = model._meta.primary_key
            for row in model.select(pk, field).where(field.is_null(False) & (field != "")):
                if model is Setting:
                    d = all_defs().get(row.key)
                    if not (d and d.is_secret):
                        continue
                value = getattr(row, column)
                if _box.decrypt(value) is None:
                    counts["unreadable"] += 1
                    continue
                model.update({field: _box.rotate(value)}).where(pk == getattr(row, pk.name)).execute()
                counts["rotated"] += 1
    invalidate()
    return report


# -- a secret waiting to be saved ------------------------------------------------------------------

PENDING = "pending_secrets"


def hold_pending(key: str, value: str) -> None:
    """Keep a secret for setting `key` in this browser's session, encrypted, until the admin
    decides where it goes (the wizard's Sign in with Plex, before a server is picked)."""
    from flask import session

    assert _box is not None  # nosec B101 # configured by create_app before any request
    held = dict(session.get(PENDING) or {})
    held[key] = {"t": _box.encrypt(value), "at": time.time()}
    session[PENDING] = held


def pending(key: str, max_age: float, *, pop: bool = False) -> str:
    """The secret held for `key`, or "" when there is none, it is older than `max_age` seconds, or
    it was encrypted with a key since rotated away."""
    from flask import session

    held = dict(session.get(PENDING) or {})
    entry = held.pop(key, None) if pop else held.get(key)
    if pop:
        session[PENDING] = held
    if not isinstance(entry, dict) or time.time() - float(entry.get("at") or 0) > max_age or _box is None:
        return ""
    return _box.decrypt(str(entry.get("t") or "")) or ""
