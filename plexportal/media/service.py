"""Media actions: record a webhook (web), process it (worker), reprocess it (admin).

The web side does one short INSERT and answers; everything else happens in the worker, keyed on
the event id, so a replayed or reprocessed event changes nothing that was already done.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from peewee import IntegrityError

from plexportal import areas
from plexportal.db import capped_counts, db
from plexportal.lib import clock
from plexportal.media import events, matching, parsing, sync
from plexportal.media.models import WebhookEvent

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(seconds=30)     # a received event not processed by then is swept up


@dataclass
class Recorded:
    event_id: int
    is_new: bool
    problem: str = ""                   # set when the body is not a JSON object (stored as invalid)


def secret_matches(expected: str, authorization: str, token: str | None) -> bool:
    """WEBHOOK_SECRET as Basic password (any user), Bearer, the bare header value, or ?token=."""
    if not expected:
        return False
    want = expected.encode()
    candidates = []
    if authorization:
        scheme, _, rest = authorization.strip().partition(" ")
        if scheme.lower() == "basic" and rest:
            try:
                decoded = base64.b64decode(rest.strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError, ValueError):
                decoded = ""
            candidates.append(decoded.partition(":")[2])
        elif scheme.lower() == "bearer":
            candidates.append(rest.strip())
        candidates.append(authorization.strip())
    if token:
        candidates.append(token)
    ok = False
    for given in candidates:
        # Compare every candidate (no early exit), each in constant time.
        ok |= hmac.compare_digest(given.encode("utf-8", "replace"), want)
    return ok


def dedup_key(source: str, raw: bytes) -> str:
    return hashlib.sha256(source.encode() + b"\0" + raw).hexdigest()


def record_webhook(source: str, raw: bytes) -> Recorded:
    """Store the body as received. The caller enqueues processing when `is_new` and not `problem`."""
    problem, event_type = "", ""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        problem = "body is not valid JSON"
    else:
        if isinstance(data, dict):
            event_type = parsing.event_type_of(source, data)
        else:
            problem = "body is JSON but not an object"
    # PostgreSQL text cannot hold NUL. Valid JSON never contains a raw NUL (only the \u0000
    # escape), so this only touches bodies already rejected above, kept for inspection.
    body = raw.decode("utf-8", "replace").replace("\x00", "\ufffd")
    event_type = (event_type or "").replace("\x00", "")
    key = dedup_key(source, raw)
    try:
        with db.atomic():
            event = WebhookEvent.create(source=source, dedup_key=key, body=body, event_type=event_type,
                                        status="invalid" if problem else "received", outcome=problem,
                                        received_at=clock.now())
        return Recorded(event.id, True, problem)
    except IntegrityError:
        existing = WebhookEvent.select(WebhookEvent.id).where(WebhookEvent.dedup_key == key).first()
        if existing is None:
            raise
        return Recorded(existing.id, False, problem)


def _finish(event_id: int, status: str, outcome: str) -> None:
    (WebhookEvent.update(status=status, outcome=outcome[:500], processed_at=clock.now(),
                         attempts=WebhookEvent.attempts + 1)
     .where(WebhookEvent.id == event_id).execute())


def process_event(event_id: int, *, force: bool = False) -> str | None:
    """Act on a stored webhook. Returns the resulting status (None when there was nothing to do)."""
    event = WebhookEvent.get_or_none(WebhookEvent.id == event_id)
    if event is None or event.status == "invalid":
        return None
    if event.status != "received" and not force:
        return None                       # already processed: a second delivery of the task
    try:
        parsed = parsing.parse(event.source, event.body.encode("utf-8"))
    except parsing.ParseError as err:
        log.info("webhook %s from %s not understood: %s", event.id, event.source, err.reason)
        _finish(event.id, "failed", f"Not understood: {err.reason}.")
        return "failed"
    if parsed.kind == parsing.TEST:
        status, outcome = "processed", f"Test from {event.source.capitalize()} received: the connection works."
    elif parsed.kind == parsing.IMPORT:
        # One transaction for the whole Download (its arrivals, everyone's announcements and
        # messages, the event's outcome): one commit, and on SQLite one turn of the write lock,
        # instead of one for each step.
        with db.atomic():
            status, outcome = matching.record_import(event.id, parsed)
            _finish(event.id, status, outcome)
        event.status, event.outcome = status, outcome
        events.publish(event, parsed)
        return status
    elif parsed.kind == parsing.REQUEST:
        status, outcome = matching.apply_seerr_request(parsed)
    elif parsed.event_type and events.acts_on(event.source, parsed.event_type):
        # Nothing to announce, but another area acts on it (a blocked import fixed now, a grab
        # that ends a quality wait): the event did something, so it is not "ignored".
        status, outcome = "processed", f"{parsed.event_type} passed to the media health checks."
    else:
        status, outcome = "ignored", f"{parsed.event_type or 'Event'} recorded; nothing to send for it."
    _finish(event.id, status, outcome)
    event.status, event.outcome = status, outcome
    events.publish(event, parsed)
    return status


def reprocess_event(event_id: int) -> None:
    """Run an event again (after fixing a request or a setting). Idempotent: only new items go out."""
    areas.task("plexportal.media.tasks.process_webhook_task")(event_id, True)


def stale_event_ids(limit: int = 200) -> list[int]:
    cutoff = clock.now() - STALE_AFTER
    return [e.id for e in WebhookEvent.select(WebhookEvent.id)
            .where((WebhookEvent.status == "received") & (WebhookEvent.received_at < cutoff))
            .order_by(WebhookEvent.id).limit(limit)]


def masked_body(event: WebhookEvent) -> str:
    """The raw payload for display, pretty-printed when it is JSON, with secrets blanked."""
    try:
        data = json.loads(event.body)
    except (ValueError, RecursionError):
        return parsing.mask_secrets(event.body[:20000])
    return json.dumps(parsing.mask_secrets(data), indent=2, ensure_ascii=False)[:50000]


# -- for other areas (the health monitors' reconciliation) ---------------------------------------

media_key = matching.media_key
describe = matching.describe
save_request = sync.save_request


def record_import(parsed: parsing.Parsed) -> tuple[str, str]:
    """Record an import that no webhook told us about, and announce it as the webhook would have."""
    return matching.record_import(None, parsed)


# -- counts for the dashboard -----------------------------------------------------------------------

# Request counts stop here ("10,000+"): each is a walk through the status index, no further.
COUNT_CAP = 10_000


def request_counts() -> dict[str, int]:
    """Requests per status, each at most COUNT_CAP + 1 (show with `count_label`). Read once per
    page view: the dashboard's media and health cards share it."""
    from flask import g, has_request_context

    from plexportal.media.models import REQUEST_STATUSES, MediaRequest

    if has_request_context() and "request_counts" in g:
        return g.request_counts
    counts = dict(zip(REQUEST_STATUSES, capped_counts([MediaRequest.select().where(MediaRequest.status == s)
                                                       for s in REQUEST_STATUSES], COUNT_CAP), strict=True))
    if has_request_context():
        g.request_counts = counts
    return counts


def count_label(n: int) -> str:
    return f"{COUNT_CAP:,}+" if n > COUNT_CAP else f"{n:,}"
