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


def wanted(overrides: dict | None, kind: str) -> bool:
    """Whether a destination with these {key: bool} choices wants `kind`. Kinds nobody registered
    (welcome messages, password links…) are always delivered: there is no switch for them."""
    if overrides and kind in overrides:
        return bool(overrides[kind])
    event = get_event(kind)
    return True if event is None else event.default

