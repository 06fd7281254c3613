"""Formatting for people: sizes, durations, relative times, the configured zone."""
from __future__ import annotations

from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from plexportal.lib import clock


def human_bytes(n: float | None, binary: bool = False) -> str:
    if n is None:
        return "—"
    n = float(n)
    base = 1024.0 if binary else 1000.0
    units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"] if binary else ["B", "KB", "MB", "GB", "TB", "PB"]
    i = 0
    while abs(n) >= base and i < len(units) - 1:
        n /= base
        i += 1
    if i == 0:
        return f"{int(n)} B"
    return f"{n:.1f} {units[i]}"


def human_duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = round(float(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, sec = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {sec} s" if sec else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def plural(n: object, singular: str, many: str | None = None) -> str:
    """The word for `n` things: plural(1, "message") -> "message", plural(3, "message") -> "messages"."""
    return singular if n == 1 else (many or singular + "s")


def reltime(value: datetime | None, now: datetime | None = None) -> str:
    if value is None:
        return "never"
    now = now or clock.now()
    delta = (now - clock.ensure_utc(value)).total_seconds()
    future = delta < 0
    delta = abs(delta)
    if delta < 45:
        text = "a few seconds"
    elif delta < 90:
        text = "a minute"
    elif delta < 3600:
        text = f"{round(delta / 60)} minutes"
    elif delta < 5400:
        text = "an hour"
    elif delta < 86400:
        text = f"{round(delta / 3600)} hours"
    elif delta < 172800:
        text = "a day"
    elif delta < 86400 * 45:
        text = f"{round(delta / 86400)} days"
    elif delta < 86400 * 365:
        text = f"{round(delta / (86400 * 30))} months"
    else:
        text = f"{round(delta / (86400 * 365))} years"
    return f"in {text}" if future else f"{text} ago"


def display_zone() -> ZoneInfo:
    from plexportal.settings import service as settings

    return clock.zone(settings.get("TIMEZONE"))


def localtime(value: datetime | None, pattern: str = "%Y-%m-%d %H:%M", zone: str | tzinfo | None = None) -> str:
    """`value` in the general zone, or in `zone` (a name or a tzinfo) where another one applies
    (a backup's schedule is in the backup's zone)."""
    if value is None:
        return "—"
    tz = clock.zone(zone) if isinstance(zone, str) else (zone or display_zone())
    return clock.ensure_utc(value).astimezone(tz).strftime(pattern)


def zoned(value: datetime | None) -> str:
    """A moment for a sentence people read (an email, an audit entry, a note): in the configured
    zone, with the zone named so it cannot be taken for another ("2026-03-01 09:00 CET")."""
    return localtime(value, "%Y-%m-%d %H:%M %Z")


def isotime(value: datetime | None) -> str | None:
    if value is None:
        return None
    return clock.ensure_utc(value).isoformat().replace("+00:00", "Z")
