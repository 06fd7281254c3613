"""Collecting items for one user and one group (a series, a film) into one message per destination.

An open batch is a Notification in status `collecting` whose `batch_key` (unique) names the
user, group and destination. Adding an item is an optimistic update guarded by `batch_version`,
so two workers adding to the same batch at once both land (one retries) and two workers opening
a batch at once create one row (the unique key refuses the second, which then joins the first).
When the batch is due, the sender seals it (`seal`): status `pending`, `batch_key` cleared, so
an item arriving after that starts a new batch instead of changing a message being sent.
"""
from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta

from peewee import IntegrityError

from plexportal.db import db
from plexportal.lib import clock
from plexportal.notify.models import Notification
from plexportal.settings import service as settings

log = logging.getLogger(__name__)
MAX_TRIES = 50


def batch_key(user_id: int, group_key: str, channel: str, destination: str) -> str:
    raw = f"{user_id}|{channel}|{destination}|{group_key}"
    if len(raw) <= 200:
        return raw
    return f"{user_id}|{channel}|h:" + hashlib.sha256(raw.encode()).hexdigest()


def item_key(item) -> str:
    """Items are the same when they name the same episode (season/episode), else when equal."""
    if isinstance(item, dict) and "season" in item and "episode" in item:
        return f"s{item.get('season')}e{item.get('episode')}"
    return json.dumps(item, sort_keys=True, default=str)


def merge_items(existing: list, new: list) -> list:
    seen = {item_key(i): n for n, i in enumerate(existing)}
    out = list(existing)
    for item in new:
        k = item_key(item)
        if k in seen:
            # A later webhook may know more (an episode title): keep the richer entry.
            if isinstance(item, dict) and isinstance(out[seen[k]], dict):
                out[seen[k]] = {**out[seen[k]], **{a: b for a, b in item.items() if b not in (None, "")}}
            continue
        seen[k] = len(out)
        out.append(item)
    return out


def next_send_after(first_at: datetime, now: datetime, is_new: bool, current: datetime | None = None) -> datetime:
    """A new batch is due after the initial delay; each item added moves it later by the extend
    delay, never earlier, and never past max wait after the first item."""
    initial = timedelta(seconds=settings.get_int("BATCH_INITIAL_DELAY"))
    extend = timedelta(seconds=settings.get_int("BATCH_EXTEND_DELAY"))
    latest = first_at + timedelta(seconds=settings.get_int("BATCH_MAX_WAIT"))
    if is_new or current is None:
        return min(now + initial, latest)
    return max(current, min(current + extend, latest))


def _merged_payload(old: dict | None, payload: dict | None, items: list) -> dict:
    merged = dict(old or {})
    for k, v in (payload or {}).items():
        if k == "items":
            continue
        if v not in (None, "") or k not in merged:
            merged[k] = v
    merged["items"] = merge_items(list(merged.get("items") or []), items)
    return merged


_KEY = "\x00batch-key\x00"            # stands for the key in the look-up built once below
_open_batch_sql: dict[type, tuple[str, list]] = {}


def _open_batch(key: str) -> Notification | None:
    """The open batch for this key. Its SELECT (every column of the outbox row) is built once per
    kind of database: building it was half the CPU of adding an item, once per person told."""
    kind = type(db.obj)
    built = _open_batch_sql.get(kind)
    if built is None:
        built = (Notification.select().where((Notification.batch_key == _KEY) & (Notification.status == "collecting"))
                 .limit(1).sql())
        _open_batch_sql[kind] = built
    sql, params = built
    return next(iter(Notification.raw(sql, *[key if p == _KEY else p for p in params])), None)


def add(*, user_id: int, kind: str, group_key: str, channel: str, destination: str,
        items: list, payload: dict | None, not_before: datetime | None = None, adds: int = 1) -> Notification:
    """Put `items` into the open batch for this destination, or open one. Race-safe. `not_before`
    holds the batch at least until then (it only ever moves the due time later). `adds` > 1: the
    items came in that many additions at once (a burst of Downloads), and the due time moves on
    as it would have for each."""
    key = batch_key(user_id, group_key, channel, destination)
    for _ in range(MAX_TRIES):
        now = clock.now()
        row = _open_batch(key)
        if row is None:
            fields = dict(kind=kind, audience="user", user=user_id, channel=channel, destination=destination,
                          group_key=group_key[:200], batch_key=key, status="collecting",
                          payload=_merged_payload(None, payload, items), first_item_at=now,
                          send_after=_held(_moved_on(now, now, next_send_after(now, now, True), adds - 1),
                                           not_before), created_at=now, batch_version=1)
            try:
                with db.atomic():
                    return Notification.create(**fields)
            except IntegrityError:
                # Someone opened it a moment ago: join theirs. A row that is no longer collecting
                # (cancelled by an older version that kept its key) gives the key up.
                Notification.update(batch_key=None).where(
                    (Notification.batch_key == key) & (Notification.status != "collecting")).execute()
                continue
        new_payload = _merged_payload(row.payload, payload, items)
        send_after = _moved_on(row.first_item_at or row.created_at, now, row.send_after, adds)
        if new_payload == row.payload:
            send_after = row.send_after           # a replay adds nothing, so it delays nothing
        send_after = _held(send_after, not_before)
        updated = (Notification.update(payload=new_payload, send_after=send_after,
                                       batch_version=Notification.batch_version + 1)
                   .where((Notification.id == row.id) & (Notification.status == "collecting")
                          & (Notification.batch_version == row.batch_version))
                   .execute())
        if updated == 1:
            row.payload, row.send_after, row.batch_version = new_payload, send_after, row.batch_version + 1
            return row
        # Changed under us (another item landed, or the batch was sealed): read again.
    raise RuntimeError(f"could not add to batch {key} after {MAX_TRIES} tries")


def add_many(entries: list[dict]) -> list[Notification]:
    """add() for many batches at once (one Download's followers): each entry holds add()'s
    keyword arguments. The open batches are read in one SELECT, the new ones written in one INSERT
    and the others moved on in one UPDATE guarded by each row's version; an entry whose batch was
    opened or changed meanwhile by someone else goes through add() on its own. Returns the rows,
    in the order of `entries`."""
    keys = [batch_key(e["user_id"], e["group_key"], e["channel"], e["destination"]) for e in entries]
    if len(set(keys)) < len(keys):                # the same batch twice: in turn, one by one
        return [add(**e) for e in entries]
    now = clock.now()
    open_rows = {n.batch_key: n for n in
                 Notification.select().where(Notification.batch_key.in_(keys) & (Notification.status == "collecting"))}
    out: dict[str, Notification] = {}
    fresh = [(k, e) for k, e in zip(keys, entries, strict=True) if k not in open_rows]
    if fresh:
        rows = [dict(kind=e["kind"], audience="user", user=e["user_id"], channel=e["channel"],
                     destination=e["destination"], group_key=e["group_key"][:200], batch_key=k, status="collecting",
                     payload=_merged_payload(None, e.get("payload"), e["items"]), first_item_at=now,
                     send_after=_held(_moved_on(now, now, next_send_after(now, now, True), e.get("adds", 1) - 1),
                                      e.get("not_before")), created_at=now, batch_version=1) for k, e in fresh]
        try:
            with db.atomic():
                Notification.insert_many(rows).execute()
            fresh_keys = [k for k, _ in fresh]
            out.update({n.batch_key: n for n in Notification.select().where(
                Notification.batch_key.in_(fresh_keys) & (Notification.status == "collecting"))})
        except IntegrityError:
            pass                                   # one was opened a moment ago: each in turn below
    moving = {}
    for k, e in zip(keys, entries, strict=True):
        row = open_rows.get(k)
        if row is None:
            continue
        new_payload = _merged_payload(row.payload, e.get("payload"), e["items"])
        send_after = (row.send_after if new_payload == row.payload        # a replay delays nothing
                      else _moved_on(row.first_item_at or row.created_at, now, row.send_after, e.get("adds", 1)))
        moving[row.id] = (row, new_payload, _held(send_after, e.get("not_before")))
    if moving:
        out.update(_move_on(moving))
    return [out[k] if k in out else add(**e) for k, e in zip(keys, entries, strict=True)]


def _move_on(moving: dict[int, tuple[Notification, dict, datetime]]) -> dict[str, Notification]:
    """One UPDATE for these open batches, each only if still collecting at the version read;
    returns {batch key: row} of those it changed. Written out by hand: peewee building a CASE of
    a few dozen terms cost more CPU than the database running it."""
    p = db.param
    whens = " ".join([f"WHEN {p} THEN {p}"] * len(moving))
    table = Notification._meta.table_name
    # Only the table's name and placeholders are written into the text; every value is a parameter.
    sql = (f'UPDATE "{table}" SET "payload" = CASE "id" {whens} END, "send_after" = CASE "id" {whens} END, '  # nosec B608
           f'"batch_version" = "batch_version" + 1 WHERE "status" = {p} AND ("id", "batch_version") IN '
           f'(VALUES {", ".join([f"({p}, {p})"] * len(moving))}) RETURNING "id"')
    params: list = []
    for i, (_, payload, _) in moving.items():
        params += [i, Notification.payload.db_value(payload)]
    for i, (_, _, send_after) in moving.items():
        params += [i, Notification.send_after.db_value(send_after)]
    params.append("collecting")
    for i, (row, _, _) in moving.items():
        params += [i, row.batch_version]
    done = {i for (i,) in db.execute_sql(sql, params).fetchall()}
    out = {}
    for i in done:
        row, payload, send_after = moving[i]
        row.payload, row.send_after, row.batch_version = payload, send_after, row.batch_version + 1
        out[row.batch_key] = row
    return out


def _moved_on(first_at: datetime, now: datetime, send_after: datetime, adds: int) -> datetime:
    """The due time after `adds` more additions to a batch."""
    for _ in range(adds):
        send_after = next_send_after(first_at, now, False, send_after)
    return send_after


def _held(send_after: datetime, not_before: datetime | None) -> datetime:
    return max(send_after, not_before) if not_before is not None else send_after


def seal_due(now: datetime | None = None) -> int:
    """Close every open batch that is due: from here on it is a normal pending message."""
    now = now or clock.now()
    return (Notification.update(status="pending", batch_key=None)
            .where((Notification.status == "collecting") & (Notification.send_after <= now))
            .execute())
