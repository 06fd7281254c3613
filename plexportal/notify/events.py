"""Message kinds a user can choose to receive. Every area declares its user-facing kinds in its
area.py (`MessageKind("media.ready", "A title you asked for is ready")`) and
`plexportal.areas.connect()` registers them here, so the user's page lists them without knowing
the areas."""
from __future__ import annotations

from dataclasses import dataclass


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


# Kinds nobody chooses (they go to the admin, or are part of joining): their names for the lists.
LABELS = {
    "admin.alert": "Alert", "backups.alert": "Backup alert", "backups.summary": "Backup summary",
    "health.issue": "Reported issue", "health.import_fix": "Failed import", "health.stuck": "Stuck download",
    "health.weekly_summary": "Weekly summary",
    "invites.decision": "Answer to a join request", "invites.expired": "Access ended",
    "invites.expiring": "Access ending soon", "invites.failed": "Sharing failed",
    "invites.redeemed": "Invite used", "invites.token": "Plex sign-in needed", "invites.welcome": "Welcome",
    "maintenance.announce": "Maintenance planned", "maintenance.remind": "Maintenance reminder",
    "maintenance.complete": "Maintenance over", "maintenance.cancel": "Maintenance cancelled",
    "notify.test": "Test message", "notify.new_link": "Link to their page",
}
SHORT = {"media.ready": "Ready to watch", "media.coming_soon": "Coming soon", "media.waiting_quality": "Waiting for quality",
         "media.issue_fixed": "Issue fixed"}


def kind_label(kind: str) -> str:
    """What a person reads for a message kind ("Ready to watch", not media.ready)."""
    if kind in SHORT:
        return SHORT[kind]
    if kind in LABELS:
        return LABELS[kind]
    event = get_event(kind)
    if event is not None:
        return event.label
    area, _, rest = kind.partition(".")
    return (rest or area).replace("_", " ").replace("-", " ").capitalize()


def wanted(overrides: dict | None, kind: str) -> bool:
    """Whether a destination with these {key: bool} choices wants `kind`. Kinds nobody registered
    (welcome messages, password links…) are always delivered: there is no switch for them."""
    if overrides and kind in overrides:
        return bool(overrides[kind])
    event = get_event(kind)
    return True if event is None else event.default

