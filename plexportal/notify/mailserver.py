"""Is the mail server usable? One row (`Transport` "email") says since when it is not.

A connection failure, a timeout or a 421 is the server's problem, not the message's: instead of
spending an attempt of every due message, sending pauses. The next sender to come along makes one
connection (the probe) when `next_probe_at` has passed, backing off 30 s, 1, 2, 4 … 10 minutes;
the first connection that works ends the outage. The Notifications page and the API show
"mail server unreachable since …" from this row.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from peewee import IntegrityError

from plexportal.db import db
from plexportal.lib import clock
from plexportal.notify.models import Transport

log = logging.getLogger(__name__)
NAME = "email"
PROBE_BASE = 30            # seconds
PROBE_CAP = 600


def state() -> Transport:
    row = Transport.get_or_none(Transport.name == NAME)
    if row is None:
        try:
            with db.atomic():
                row = Transport.create(name=NAME)
        except IntegrityError:
            row = Transport.get(Transport.name == NAME)
    return row


def probe_delay(failures: int) -> timedelta:
    return timedelta(seconds=min(PROBE_CAP, PROBE_BASE * 2 ** max(0, failures - 1)))


def paused_until(now: datetime | None = None) -> datetime | None:
    """When the server is down and the next probe is not due yet: the time of that probe."""
    row = Transport.get_or_none(Transport.name == NAME)
    now = now or clock.now()
    if row is None or row.down_since is None or row.next_probe_at is None or row.next_probe_at <= now:
        return None
    return row.next_probe_at


def claim_probe(now: datetime | None = None) -> bool:
    """While the server is down, only one sender at a time probes it (a conditional UPDATE moves
    the next probe forward). True when this caller may connect."""
    now = now or clock.now()
    row = state()
    if row.down_since is None:
        return True
    return (Transport.update(next_probe_at=now + probe_delay(row.failures + 1))
            .where((Transport.id == row.id) & (Transport.next_probe_at.is_null() | (Transport.next_probe_at <= now)))
            .execute()) == 1


def note_down(message: str) -> None:
    now = clock.now()
    row = state()
    failures = row.failures + 1
    (Transport.update(down_since=row.down_since or now, failures=failures, next_probe_at=now + probe_delay(failures),
                      last_error=message[:500], checked_at=now)
     .where(Transport.id == row.id).execute())
    if row.down_since is None:
        log.warning("mail server unreachable: %s; sending paused", message)


def note_up() -> None:
    now = clock.now()
    updated = (Transport.update(down_since=None, failures=0, next_probe_at=None, last_error="", checked_at=now)
               .where((Transport.name == NAME) & Transport.down_since.is_null(False)).execute())
    if updated:
        log.warning("mail server reachable again; sending resumed")


def status() -> dict | None:
    """For the page and the API: None while the server is fine."""
    row = Transport.get_or_none(Transport.name == NAME)
    if row is None or row.down_since is None:
        return None
    return {"down_since": row.down_since, "error": row.last_error, "failures": row.failures,
            "next_probe_at": row.next_probe_at}
