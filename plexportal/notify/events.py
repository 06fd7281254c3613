"""Message kinds a user can choose to receive. Every area declares its user-facing kinds in its
area.py (`MessageKind("media.ready", "A title you asked for is ready")`) and
`plexportal.areas.connect()` registers them here, so the user's page lists them without knowing
the areas."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Event:
    key: str
    label: str
    default: bool = True
    first: bool = False           # listed before the others (the message the product is about)


_EVENTS: dict[str, Event] = {}


def register_event(key: str, label: str, default: bool = True, *, first: bool = False) -> Event:
    event = Event(key, label, default, first)
    _EVENTS[key] = event
    return event


def all_events() -> list[Event]:
    return sorted(_EVENTS.values(), key=lambda e: (not e.first, e.label.lower()))


def get_event(key: str) -> Event | None:
    return _EVENTS.get(key)


# Kinds nobody chooses (they go to the admin, or are part of joining): their names for the lists,
# in the reader's language (lazy_gettext).
LABELS = {
    "admin.alert": _l("Alert"), "backups.alert": _l("Backup alert"), "backups.summary": _l("Backup summary"),
    "health.issue": _l("Reported issue"), "health.import_fix": _l("Failed import"), "health.stuck": _l("Stuck download"),
    "health.weekly_summary": _l("Weekly summary"),
    "invites.decision": _l("Answer to a join request"), "invites.expired": _l("Access ended"),
    "invites.expiring": _l("Access ending soon"), "invites.failed": _l("Sharing failed"),
    "invites.redeemed": _l("Invite used"), "invites.token": _l("Plex sign-in needed"), "invites.welcome": _l("Welcome"),
    "maintenance.announce": _l("Maintenance planned"), "maintenance.remind": _l("Maintenance reminder"),
    "maintenance.complete": _l("Maintenance over"), "maintenance.cancel": _l("Maintenance cancelled"),
    "notify.test": _l("Test message"), "notify.new_link": _l("Link to their page"),
}
SHORT = {"media.ready": _l("Ready to watch"), "media.coming_soon": _l("Coming soon"), "media.waiting_quality": _l("Waiting for quality"),
         "media.issue_fixed": _l("Issue fixed")}


def kind_label(kind: str) -> str:
    """What a person reads for a message kind ("Ready to watch", not media.ready), in the current language."""
    if kind in SHORT:
        return str(SHORT[kind])
    if kind in LABELS:
        return str(LABELS[kind])
    event = get_event(kind)
    if event is not None:
        return str(event.label)
    area, _, rest = kind.partition(".")
    return (rest or area).replace("_", " ").replace("-", " ").capitalize()


def wanted(overrides: dict | None, kind: str) -> bool:
    """Whether a destination with these {key: bool} choices wants `kind`. Kinds nobody registered
    (welcome messages, password links…) are always delivered: there is no switch for them."""
    if overrides and kind in overrides:
        return bool(overrides[kind])
    event = get_event(kind)
    return True if event is None else event.default

