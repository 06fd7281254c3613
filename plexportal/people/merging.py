"""Moving everything one person row holds onto another, in SQL.

Every table with a foreign key to `user` is found by asking the database itself, so a table added
by any area later is moved too without being listed here, and migration 0150 can use the same code
on the schema as it was then. Where a unique index includes the user column (one follow per
request and person, one preferences row per person), the other row's copy that would clash with
the survivor's is dropped after `reconcile` has folded what matters of it into the survivor's.
"""
from __future__ import annotations

import json
import re

from peewee import Database

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")

USER_TABLE = "user"


def quoted(database: Database, name: str) -> str:
    return _q(database, name)
# Sessions are credentials of the row that ends, not something the survivor should inherit.
DROP = {"user_session"}


def _q(database: Database, name: str) -> str:
    """A quoted identifier ("user" is a reserved word in PostgreSQL). Names come from the
    database's own catalogue; anything but a plain identifier is refused all the same."""
    if not _PLAIN.fullmatch(name):
        raise ValueError(f"not a plain identifier: {name!r}")
    return database.quote[0] + name + database.quote[1]


def user_columns(database: Database) -> list[tuple[str, str, list[list[str]]]]:
    """(table, column, [other columns of each unique index on it]) for every reference to a person."""
    out = []
    for table in database.get_tables():
        for fk in database.get_foreign_keys(table):
            if fk.dest_table != USER_TABLE:
                continue
            uniques = [[c for c in ix.columns if c != fk.column] for ix in database.get_indexes(table)
                       if ix.unique and fk.column in ix.columns]
            out.append((table, fk.column, uniques))
    return sorted(out)


def reconcile(database: Database, keep_id: int, other_id: int) -> None:
    """Fold what would otherwise be dropped into the survivor's rows: a request the other row made
    stays "requested" by the survivor, and an unsubscribe or a switched-off message kind on either
    row holds for the survivor (a person who said stop is never written to again by a merge)."""
    tables = set(database.get_tables())
    p = database.param
    if "follower" in tables:
        database.execute_sql(
            f"UPDATE follower SET role = 'requester' WHERE user_id = {p} AND request_id IN "  # nosec B608 # names fixed or from the catalogue; values are parameters
            f"(SELECT request_id FROM follower WHERE user_id = {p} AND role = 'requester')", (keep_id, other_id))
    if "notify_prefs" not in tables:
        return
    rows = {uid: (enabled, events, unsub) for uid, enabled, events, unsub in database.execute_sql(
        f"SELECT user_id, email_enabled, email_events, unsubscribed_at FROM notify_prefs WHERE user_id IN ({p}, {p})",  # nosec B608 # names fixed or from the catalogue; values are parameters
        (keep_id, other_id)).fetchall()}
    if other_id not in rows or keep_id not in rows:
        return                              # at most one of them has choices: moved as they are
    k_enabled, k_events, k_unsub = rows[keep_id]
    o_enabled, o_events, o_unsub = rows[other_id]
    events = dict(json.loads(k_events) if k_events else {})
    for key, on in (json.loads(o_events) if o_events else {}).items():
        if not on:
            events[key] = False
    database.execute_sql(
        f"UPDATE notify_prefs SET email_enabled = {p}, email_events = {p}, unsubscribed_at = {p} WHERE user_id = {p}",  # nosec B608 # names fixed or from the catalogue; values are parameters
        (bool(k_enabled) and bool(o_enabled),
         json.dumps(events, separators=(",", ":"), sort_keys=True) if events else None, k_unsub or o_unsub, keep_id))


def move_rows(database: Database, keep_id: int, other_id: int) -> dict[str, int]:
    """Point every row of `other_id` at `keep_id`; returns {table: rows moved}."""
    p = database.param
    moved: dict[str, int] = {}
    for table, column, uniques in user_columns(database):
        t, c = _q(database, table), _q(database, column)
        if table in DROP:
            database.execute_sql(f"DELETE FROM {t} WHERE {c} = {p}", (other_id,))  # nosec B608 # catalogue names (_q), values are parameters
            continue
        for others in uniques:
            same = "".join(f" AND k.{_q(database, o)} = {t}.{_q(database, o)}" for o in others)
            database.execute_sql(  # nosec B608 # catalogue names (_q), values are parameters
                f"DELETE FROM {t} WHERE {c} = {p} AND EXISTS (SELECT 1 FROM {t} k WHERE k.{c} = {p}{same})",  # nosec B608 # names fixed or from the catalogue; values are parameters
                (other_id, keep_id))
        cursor = database.execute_sql(f"UPDATE {t} SET {c} = {p} WHERE {c} = {p}",  # nosec B608 # catalogue names (_q)
                                      (keep_id, other_id))
        if cursor.rowcount:
            moved[table] = cursor.rowcount
    return moved
