"""Webhook subscribers: other areas react to Sonarr/Radarr/Seerr events after media has processed them.

    from plexportal.media import events

    @events.subscribe("sonarr", "ManualInteractionRequired")
    def on_blocked(event, parsed):      # event: WebhookEvent, parsed: parsing.Parsed
        ...

`event_type` "*" receives every event of that source. Subscribers run in the worker, after the
event's own processing has committed; one failing subscriber is logged and never stops the others
or changes the event's outcome. A reprocessed event is delivered again, so subscribers must be
idempotent (key their work on ids, as everything else here does).
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable

from plexportal.media.shape import ShapeError

log = logging.getLogger(__name__)

_subscribers: dict[tuple[str, str], list[Callable]] = defaultdict(list)


def subscribe(source: str, event_type: str = "*"):
    def decorate(fn):
        if fn not in _subscribers[(source, event_type)]:
            _subscribers[(source, event_type)].append(fn)
        return fn
    return decorate


def subscribers(source: str, event_type: str) -> list[Callable]:
    return list(_subscribers.get((source, event_type), ())) + list(_subscribers.get((source, "*"), ()))


def acts_on(source: str, event_type: str) -> bool:
    """Whether a subscriber asked for this very event type (not just "everything from source")."""
    return bool(_subscribers.get((source, event_type)))


def publish(event, parsed) -> int:
    """Call every subscriber for this event; returns how many failed."""

    failed = 0
    for fn in subscribers(event.source, parsed.event_type):
        try:
            fn(event, parsed)
        except ShapeError as err:
            # A body of a shape we do not know: one line naming the event and the field.
            log.warning("webhook event %s (%s %s): %s skipped it, field %s", event.id, event.source,
                        parsed.event_type, getattr(fn, "__name__", fn), err)
        except Exception:  # one area's bug must not break webhook processing
            failed += 1
            log.exception("webhook subscriber %s failed on event %s", getattr(fn, "__name__", fn), event.id)
    return failed
