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
# A Download taken by the worker brings along the Downloads waiting after it, up to this many, and
# they are processed together in one transaction (`_process_downloads`): in a burst, a show's
# followers, announcements and destinations are read once and each person's message is added to
# once for all the episodes, instead of once per Download. The tasks of the others then find
# their event processed and do nothing.
BATCH = 200
_BATCH_LOCK = 0x706C7031                # PostgreSQL: one batch at a time (pg_advisory_xact_lock)


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
    """Act on a stored webhook. Returns the resulting status (None when there was nothing to do).
    A Download is processed with the Downloads waiting after it (`_process_downloads`)."""
    if not force and _status_of(event_id) != "received":
        return None                       # already processed: a second delivery, or taken by a batch
    event = WebhookEvent.get_or_none(WebhookEvent.id == event_id)
    if event is None or event.status == "invalid":
        return None
    if event.status != "received" and not force:
        return None                       # already processed: a second delivery of the task
    if not force and _is_download(event):
        return _process_downloads(event.id)
    return _process_one(event, force=force)


def _process_one(event: WebhookEvent, *, force: bool = False) -> str | None:
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


_status_sql: dict[type, str] = {}


def _status_of(event_id: int) -> str | None:
    """The event's status alone, by a statement built once per kind of database: in a burst most
    tasks find their Download done by a batch, and this is all they do."""
    sql = _status_sql.get(type(db.obj))
    if sql is None:
        sql = _status_sql[type(db.obj)] = WebhookEvent.select(WebhookEvent.status).where(WebhookEvent.id == 0).sql()[0]
    row = db.execute_sql(sql, (event_id,)).fetchone()
    return row[0] if row else None


def _is_download(event: WebhookEvent) -> bool:
    return event.source in ("sonarr", "radarr") and event.event_type == "Download"


def _process_downloads(first_id: int) -> str | None:
    """Process this Download and the Downloads received after it that are still waiting (up to
    BATCH, in order, up to the first event of another kind) in one transaction, as
    matching.record_imports() does them: each gets the outcome it would have had alone, and all of
    it is stored, or none of it (a crash leaves every one of them waiting, to be processed again;
    their announcements are unique rows, so nothing goes out twice). If the batch fails, each is
    tried alone, so one bad event holds up no other. Returns the status of `first_id` (None when
    another batch took it meanwhile)."""
    taken: list[WebhookEvent] = []
    try:
        with db.atomic():
            # One batch at a time, in the order the events came: on SQLite the transaction's write
            # lock does that (BEGIN IMMEDIATE), on PostgreSQL a lock held until the commit.
            if _locks_rows():
                db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_BATCH_LOCK,))
            waiting = list(WebhookEvent.select()
                           .where((WebhookEvent.status == "received") & (WebhookEvent.id >= first_id))
                           .order_by(WebhookEvent.id).limit(BATCH))
            if not waiting or waiting[0].id != first_id:
                return None               # a batch taken meanwhile had it
            for event in waiting:
                if not _is_download(event):
                    break
                taken.append(event)
            results, parsed = _record_downloads(taken)
            _finish_many(results)
    except Exception:
        if len(taken) <= 1:
            raise
        log.warning("a batch of %s Downloads failed; processing them one by one", len(taken), exc_info=True)
        return _one_by_one([e.id for e in taken], first_id)
    for event in taken:
        event.status, event.outcome = results[event.id]
    events.publish_many([(event, parsed[event.id]) for event in taken if event.id in parsed])
    return results[first_id][0]


def _record_downloads(taken: list[WebhookEvent]) -> tuple[dict[int, tuple[str, str]], dict[int, parsing.Parsed]]:
    results: dict[int, tuple[str, str]] = {}
    parsed: dict[int, parsing.Parsed] = {}
    for event in taken:
        try:
            one = parsing.parse(event.source, event.body.encode("utf-8"))
        except parsing.ParseError as err:
            log.info("webhook %s from %s not understood: %s", event.id, event.source, err.reason)
            results[event.id] = ("failed", f"Not understood: {err.reason}.")
            continue
        if one.kind != parsing.IMPORT:    # a Download whose body says otherwise: parse() decides
            raise ValueError(f"webhook {event.id} is a Download that is not an import")
        parsed[event.id] = one
    results.update(matching.record_imports([(i, p) for i, p in parsed.items()]))
    return results, parsed


def _one_by_one(ids: list[int], first_id: int) -> str | None:
    """Each event of a failed batch on its own. One that fails again stays waiting (its own task
    and the sweep try it again); only the failure of `first_id` is raised, for its task to retry."""
    status = None
    for event_id in ids:
        event = WebhookEvent.get_or_none(WebhookEvent.id == event_id)
        if event is None or event.status != "received":
            continue
        try:
            got = _process_one(event)
        except Exception:
            if event_id == first_id:
                raise
            log.exception("webhook %s could not be processed; it stays waiting", event_id)
            continue
        if event_id == first_id:
            status = got
    return status


def _finish_many(results: dict[int, tuple[str, str]]) -> None:
    """_finish() for many events in one UPDATE (written by hand, as batching._move_on)."""
    if not results:
        return
    p = db.param
    whens = " ".join([f"WHEN {p} THEN {p}"] * len(results))
    table = WebhookEvent._meta.table_name
    # Only the table's name and placeholders are written into the text; every value is a parameter.
    sql = (f'UPDATE "{table}" SET "status" = CASE "id" {whens} END, "outcome" = CASE "id" {whens} END, '  # nosec B608
           f'"processed_at" = {p}, "attempts" = "attempts" + 1 WHERE "id" IN ({", ".join([p] * len(results))})')
    params: list = []
    for i, (status, _) in results.items():
        params += [i, status]
    for i, (_, outcome) in results.items():
        params += [i, outcome[:500]]
    params.append(WebhookEvent.processed_at.db_value(clock.now()))
    params += list(results)
    db.execute_sql(sql, params)


def _locks_rows() -> bool:
    from peewee import PostgresqlDatabase

    return isinstance(db.obj, PostgresqlDatabase)


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
