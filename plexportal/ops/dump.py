"""Reading a consistent snapshot of the database, table by table, as plain JSON-able rows.

SQLite: the online backup API copies the live file into a scratch file in one step (a consistent
snapshot taken without stopping the web or the worker), and the rows are read from that copy.
PostgreSQL: one REPEATABLE READ, READ ONLY transaction on a connection of its own, with a
server-side cursor per table so no table is ever held in memory."""
from __future__ import annotations

import base64
import datetime as dt
import decimal
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import peewee

# Not data: the applied migrations travel in the manifest; the log store, the task states and
# the backups' own history describe the running processes, not the server's people and messages.
EXCLUDED = {"schema_migration", "log_record", "job_state", "self_backup"}
FETCH = 2000


def jsonable(value):
    """json.dumps default= hook for what the drivers return besides str/int/float/bool/None."""
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return {"$base64": base64.b64encode(bytes(value)).decode()}
    raise TypeError(f"cannot store {type(value).__name__}")


def dependency_order(tables: list[str], refs: dict[str, set[str]]) -> list[str]:
    """Tables ordered so that every table comes after the tables it references."""
    out: list[str] = []
    state: dict[str, int] = {}

    def visit(t: str) -> None:
        if state.get(t) == 2:
            return
        if state.get(t) == 1:         # a cycle (or a table referencing itself): keep going
            return
        state[t] = 1
        for parent in sorted(refs.get(t, ())):
            if parent in tables and parent != t:
                visit(parent)
        state[t] = 2
        out.append(t)

    for t in sorted(tables):
        visit(t)
    return out


class Snapshot:
    backend = ""

    def applied(self) -> list[str]:
        raise NotImplementedError

    def tables(self) -> list[str]:
        raise NotImplementedError

    def columns(self, table: str) -> list[str]:
        raise NotImplementedError

    def count(self, table: str) -> int:
        raise NotImplementedError

    def rows(self, table: str, columns: list[str]) -> Iterator[tuple]:
        raise NotImplementedError


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class SqliteSnapshot(Snapshot):
    backend = "sqlite"

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def applied(self) -> list[str]:
        if not self.conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_migration'").fetchone():
            return []
        return [r[0] for r in self.conn.execute("SELECT name FROM schema_migration ORDER BY id")]

    def tables(self) -> list[str]:
        names = [r[0] for r in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        names = [n for n in names if n not in EXCLUDED]
        refs = {n: {r[2] for r in self.conn.execute(f"PRAGMA foreign_key_list({_q(n)})")} for n in names}
        return dependency_order(names, refs)

    def columns(self, table: str) -> list[str]:
        return [r[1] for r in self.conn.execute(f"PRAGMA table_info({_q(table)})")]

    def count(self, table: str) -> int:
        return self.conn.execute(f"SELECT COUNT(*) FROM {_q(table)}").fetchone()[0]  # nosec B608 # _q-quoted catalogue name

    def rows(self, table: str, columns: list[str]) -> Iterator[tuple]:
        cur = self.conn.execute(f"SELECT {', '.join(map(_q, columns))} FROM {_q(table)} ORDER BY rowid")  # nosec B608 # _q-quoted catalogue names
        while True:
            batch = cur.fetchmany(FETCH)
            if not batch:
                return
            yield from batch

    def json_rows(self, table: str, columns: list[str]) -> Iterator[str] | None:
        """Each row as the JSON array line the Python encoder would write, built by SQLite's
        json_array() in C (several times faster than a tuple per row encoded in Python). None
        for a table with BLOB columns, which JSON cannot hold; rows() serves those."""
        types = {r[1]: (r[2] or "").upper() for r in self.conn.execute(f"PRAGMA table_info({_q(table)})")}
        if any("BLOB" in types.get(c, "") for c in columns):
            return None
        cur = self.conn.execute(f"SELECT json_array({', '.join(map(_q, columns))}) FROM {_q(table)} ORDER BY rowid")  # nosec B608 # _q-quoted catalogue names

        def lines():
            while True:
                batch = cur.fetchmany(FETCH)
                if not batch:
                    return
                for (line,) in batch:
                    yield line
        return lines()


class PostgresSnapshot(Snapshot):
    backend = "postgresql"

    def __init__(self, conn):
        self.conn = conn

    def _all(self, sql: str, args=()) -> list[tuple]:
        with self.conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall()

    def applied(self) -> list[str]:
        if "schema_migration" not in self._table_names():
            return []
        return [r[0] for r in self._all("SELECT name FROM schema_migration ORDER BY id")]

    def _table_names(self) -> list[str]:
        return [r[0] for r in self._all(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE'")]

    def tables(self) -> list[str]:
        names = [n for n in self._table_names() if n not in EXCLUDED]
        refs: dict[str, set[str]] = {n: set() for n in names}
        for child, parent in self._all(
                "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c "
                "JOIN pg_namespace n ON n.oid = c.connamespace WHERE c.contype = 'f' AND n.nspname = current_schema()"):
            refs.setdefault(child.strip('"'), set()).add(parent.strip('"'))
        return dependency_order(names, refs)

    def columns(self, table: str) -> list[str]:
        return [r[0] for r in self._all(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = %s ORDER BY ordinal_position", (table,))]

    def count(self, table: str) -> int:
        return self._all(f"SELECT COUNT(*) FROM {_q(table)}")[0][0]  # nosec B608 # _q-quoted catalogue names

    def rows(self, table: str, columns: list[str]) -> Iterator[tuple]:
        with self.conn.cursor(name=f"plexportal_dump_{os.getpid()}") as cur:   # server-side: streamed
            cur.itersize = FETCH
            cur.execute(f"SELECT {', '.join(map(_q, columns))} FROM {_q(table)}")  # nosec B608 # _q-quoted catalogue names
            yield from cur


@contextmanager
def snapshot(database: peewee.Database, scratch_dir: Path):
    """A consistent, read-only view of `database` for the duration of the block."""
    if isinstance(database, peewee.SqliteDatabase):
        scratch = scratch_dir / f".plexportal-snapshot-{os.getpid()}.db"
        scratch.unlink(missing_ok=True)
        source = sqlite3.connect(database.database, timeout=30)
        try:
            fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.close(fd)
            copy = sqlite3.connect(scratch)
            try:
                source.backup(copy)           # one step: the copy is the database as of one moment
            finally:
                source.close()
            try:
                yield SqliteSnapshot(copy)
            finally:
                copy.close()
        finally:
            source.close()
            scratch.unlink(missing_ok=True)
        return
    if isinstance(database, peewee.PostgresqlDatabase):
        conn = database._connect()           # a connection of its own: its transaction is the snapshot
        try:
            conn.autocommit = False
            conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
            yield PostgresSnapshot(conn)
        finally:
            conn.rollback()
            conn.close()
        return
    raise RuntimeError(f"cannot back up a {type(database).__name__}")
