"""The media-health monitors, one module each. `MONITORS` maps the CLI name to its Monitor."""
from __future__ import annotations

from plexportal.health.monitors import import_fix, issue_fix, quality, reconcile, stuck, weekly_summary
from plexportal.health.monitors.base import Monitor

MONITORS: dict[str, Monitor] = {m.MONITOR.name: m.MONITOR for m in (quality, import_fix, issue_fix, stuck, reconcile, weekly_summary)}


def get(name: str) -> Monitor:
    try:
        return MONITORS[name]
    except KeyError:
        raise KeyError(f"unknown monitor {name!r}; known: {', '.join(MONITORS)}") from None
