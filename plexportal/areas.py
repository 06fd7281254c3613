"""The areas and what each one plugs in.

Every area declares its contributions in one file, `plexportal/<area>/area.py`, as
`AREA = Area(...)`: "what does this area plug in" is answered there. `NAMES` is the list
`create_app` reads, in render order (dashboard cards, settings groups, user page sections).
`install(app)` registers the blueprints and commands and `connect()` fills the registries other
areas read (message kinds, renderers, gates, transports, email headers, pauses, webhook
subscribers, access checks). Nothing registers itself by being imported.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Flask

if TYPE_CHECKING:
    from plexportal.queue import TaskHandle

# Adding an area: a package with an area.py, and its name here.
NAMES = ("admin", "auth", "media", "notify", "invites", "people", "backups", "settings", "api", "health", "ops")


@dataclass(frozen=True)
class MessageKind:
    """A message kind a person can switch on or off on their page."""
    key: str
    label: str
    default: bool = True
    first: bool = False           # listed before the others (the message the product is about)


@dataclass(frozen=True)
class Subscriber:
    """`handler(event, parsed)` runs in the worker after media processed a webhook of `source`
    (`event_type` "*" for all of them); see media/events.py."""
    source: str
    event_type: str
    handler: Callable[[Any, Any], None]


@dataclass(frozen=True)
class Area:
    name: str
    blueprints: Sequence[Blueprint] = ()
    # Modules that add routes to a blueprint declared elsewhere (this area's, or /api/v1's api_bp).
    routes: Sequence[ModuleType] = ()
    models: Sequence[ModuleType] = ()            # Peewee models (schema check, tests, restore)
    tasks: Sequence[ModuleType] = ()             # modules declaring @app_task / @app_periodic
    settings: Sequence[Any] = ()                 # settings.registry.SettingDef, in page order
    cli: Sequence[Any] = ()                      # click commands and groups under `flask`
    dashboard: Callable[[], dict | None] | None = None
    metrics: Callable[[Any], list] | None = None           # collect(now) for /metrics
    profile_sections: Sequence[Callable[..., dict | None]] = ()   # section(user, *, admin)
    message_kinds: Sequence[MessageKind] = ()
    renderers: Mapping[str, Callable] = field(default_factory=dict)    # notify.send.RENDERERS
    gates: Mapping[str, Callable] = field(default_factory=dict)        # notify.send.GATES
    transports: Mapping[str, Callable] = field(default_factory=dict)   # notify.send.TRANSPORTS
    headers: Sequence[Callable] = ()                                   # notify.send.HEADERS
    pauses: Sequence[Callable[[], str | None]] = ()                    # notify.send.PAUSES
    subscribers: Sequence[Subscriber] = ()                             # media.events
    # check(user) -> True when the person lost access: their signed links stop working (notify.links)
    access_checks: Sequence[Callable[[Any], bool]] = ()
    # {settings group: [fn]}: run after that group is saved (settings page or wizard).
    on_save: Mapping[str, Sequence[Callable[[], None]]] = field(default_factory=dict)


_areas: list[Area] | None = None


def all_areas() -> list[Area]:
    """Every area's declaration, in NAMES order (imported once per process)."""
    global _areas
    if _areas is None:
        _areas = [importlib.import_module(f"plexportal.{name}.area").AREA for name in NAMES]
    return _areas


def task(name: str) -> TaskHandle:
    """The task whose dotted name (what queued messages store) is `name`, found among the areas'
    declared `tasks` modules. A service enqueues its own area's tasks through here, so the tasks
    module, which calls the service, is the only one of the two importing the other."""
    module_name, _, attribute = name.rpartition(".")
    for area in all_areas():
        for module in area.tasks:
            if module.__name__ == module_name and hasattr(module, attribute):
                found: TaskHandle = getattr(module, attribute)
                return found
    raise LookupError(f"no area declares the task {name}")


def install(app: Flask) -> None:
    """Register every area's blueprints and commands on `app`, then connect the registries."""
    for area in all_areas():
        for bp in area.blueprints:
            app.register_blueprint(bp)
        for command in area.cli:
            app.cli.add_command(command)
    connect()


def connect() -> None:
    """Fill the registries other areas read from the declarations (idempotent)."""
    # Imported here, not at the top: these modules' own imports reach back to this one.
    from plexportal.media import events as webhook_events
    from plexportal.notify import events as message_kinds
    from plexportal.notify import links, send

    for area in all_areas():
        for kind in area.message_kinds:
            message_kinds.register_event(kind.key, kind.label, kind.default, first=kind.first)
        send.RENDERERS.update(area.renderers)
        send.GATES.update(area.gates)
        send.TRANSPORTS.update(area.transports)
        send.HEADERS.extend(h for h in area.headers if h not in send.HEADERS)
        send.PAUSES.extend(p for p in area.pauses if p not in send.PAUSES)
        for sub in area.subscribers:
            webhook_events.subscribe(sub.source, sub.event_type)(sub.handler)
        links.ACCESS_CHECKS.extend(c for c in area.access_checks if c not in links.ACCESS_CHECKS)
