"""Webhook subscribers: other areas react to Sonarr/Radarr/Seerr events after media has processed them.

    from plexportal.media import events

    @events.subscribe("sonarr", "ManualInteractionRequired")
    def on_blocked(event, parsed):      # event: WebhookEvent, parsed: parsing.Parsed
        ...

A subscriber may also take many events at once (a burst of Downloads processed together):
`@events.many(handle_all)` on it names a function given [(event, parsed), ...], which must do what
calling the subscriber on each would (see publish_many).

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


_many: dict[Callable, Callable] = {}


def many(handle_all: Callable):
    """Declare `handle_all([(event, parsed), ...])` as the way to give this subscriber many events."""
    def decorate(fn):
        _many[fn] = handle_all
        return fn
    return decorate


def subscribers(source: str, event_type: str) -> list[Callable]:
    return list(_subscribers.get((source, event_type), ())) + list(_subscribers.get((source, "*"), ()))


def acts_on(source: str, event_type: str) -> bool:
    """Whether a subscriber asked for this very event type (not just "everything from source")."""
    return bool(_subscribers.get((source, event_type)))


def publish(event, parsed) -> int:
    """Call every subscriber for this event; returns how many failed."""

    return sum(_call(fn, event, parsed) for fn in subscribers(event.source, parsed.event_type))


def _call(fn: Callable, event, parsed) -> int:
    try:
        fn(event, parsed)
    except ShapeError as err:
        # A body of a shape we do not know: one line naming the event and the field.
        log.warning("webhook event %s (%s %s): %s skipped it, field %s", event.id, event.source,
                    parsed.event_type, getattr(fn, "__name__", fn), err)
    except Exception:  # one area's bug must not break webhook processing
        log.exception("webhook subscriber %s failed on event %s", getattr(fn, "__name__", fn), event.id)
        return 1
    return 0


def publish_many(pairs: list) -> int:
    """publish() for many events [(event, parsed)]: a subscriber that takes many at once (`many`)
    is called once for those of each source and type, the others once per event. If the call for
    many fails, each event is given to the subscriber on its own. Returns how many calls failed."""
    failed = 0
    groups: dict[tuple[str, str], list] = {}
    for event, parsed in pairs:
        groups.setdefault((event.source, parsed.event_type), []).append((event, parsed))
    for (source, event_type), group in groups.items():
        for fn in subscribers(source, event_type):
            handle_all = _many.get(fn)
            if handle_all is not None and len(group) > 1:
                try:
                    handle_all(group)
                    continue
                except Exception:  # each on its own below, where a failure is logged with its event
                    log.warning("webhook subscriber %s failed on %s events at once; one by one",
                                getattr(fn, "__name__", fn), len(group), exc_info=True)
            for event, parsed in group:
                failed += _call(fn, event, parsed)
    return failed
