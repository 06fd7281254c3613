"""Restoring a self-backup archive: check everything first, then load into a staging database
(SQLite: a new file beside the live one, swapped in only when complete; PostgreSQL: one
transaction), migrate it forward, and only then replace the current data. Any failure leaves the
current data as it was."""
from __future__ import annotations

import base64
import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import peewee

from plexportal.lib import clock
from plexportal.ops import archive, running
from plexportal.ops.archive_check import (  # noqa: F401 # verify and Checked: the area's restore API
    Checked,
    RestoreError,
    check_counts,
    check_schema,
    manifest_tables,
    members,
    open_archive,
    read_key,
    table_of,
    verify,
)
from plexportal.ops.dump import EXCLUDED

# Tables whose rows say nothing about the data itself: a database holding only these is empty.
HOUSEKEEPING = EXCLUDED
HEARTBEAT = timedelta(seconds=90)
BATCH = 1000


@dataclass
class RestoreResult:
    counts: dict[str, int]
    forward: list[str]
    safety_backup: Path | None
    key_written: Path | None
    warnings: list[str]


# -- the current data --------------------------------------------------------------------------------

class _session:
    """Open a connection only if none is open, and close only what it opened."""

    def __init__(self, database):
        self.database = database

    def __enter__(self):
        self.opened = self.database.is_closed()
        if self.opened:
            self.database.connect()

    def __exit__(self, *exc):
        if self.opened and not self.database.is_closed():
            self.database.close()


def current_rows(database: peewee.Database) -> int:
    """Rows the current database holds outside housekeeping tables (0 for none or no database)."""
    if isinstance(database, peewee.SqliteDatabase) and not Path(database.database).exists():
        return 0
    with _session(database):
        tables = [t for t in database.get_tables() if t not in HOUSEKEEPING]
        total = 0
        for t in tables:
            total += database.execute_sql(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]  # nosec B608 # t: get_tables()
        return total


def worker_heartbeat(database: peewee.Database) -> str | None:
    """A sentence if the worker ran a task within HEARTBEAT, else None."""
    if isinstance(database, peewee.SqliteDatabase) and not Path(database.database).exists():
        return None
    with _session(database):
        if "job_state" not in database.get_tables():
            return None
        from plexportal.ops.models import JobState

        with JobState.bind_ctx(database):
            row = (JobState.select().order_by(peewee.fn.COALESCE(JobState.last_finished_at,
                                                                  JobState.last_started_at).desc()).first())
    if row is None:
        return None
    seen = max(t for t in (row.last_started_at, row.last_finished_at) if t is not None)
    ago = clock.now() - seen
    if ago < HEARTBEAT or row.last_outcome == "running" and ago < timedelta(hours=6):
        return (f"The worker is running (it ran {row.name.rsplit('.', 1)[-1]} {int(ago.total_seconds())} s ago). "
                "Stop the web and the worker first (docker compose stop web worker, or systemctl stop the "
                f"plexportal units), wait {int(HEARTBEAT.total_seconds())} s, then restore.")
    return None


# -- loading --------------------------------------------------------------------------------------------

def _decode(value):
    if isinstance(value, dict) and "$base64" in value:
        return base64.b64decode(value["$base64"])
    return value


def _loader(db: peewee.Database, table: str, columns: list[str]) -> Callable[[bytes], int]:
    """A function that inserts one chunk (JSON lines) into `table` and returns its row count."""
    present = {c.name: c for c in db.get_columns(table)}
    missing = [c for c in columns if c not in present]
    if missing:
        raise RestoreError(f"The archive's table {table} has columns ({', '.join(missing)}) that the database "
                           "at the same migration does not: the archive was altered.")
    bools = [i for i, c in enumerate(columns) if present[c].data_type.lower() == "boolean"]
    cols = ", ".join(f'"{c}"' for c in columns)

    def parsed(data: bytes) -> list[list]:
        rows = [json.loads(line) for line in data.splitlines() if line]
        if b'{"$base64"' in data:
            rows = [[_decode(v) for v in r] for r in rows]
        return rows

    if isinstance(db, peewee.PostgresqlDatabase):
        from psycopg2.extras import execute_values

        sql = f'INSERT INTO "{table}" ({cols}) VALUES %s'  # nosec B608 # names checked by manifest_tables

        def insert_values(data: bytes) -> int:
            rows = parsed(data)
            for row in rows:
                for i in bools:
                    if row[i] is not None:
                        row[i] = bool(row[i])
            execute_values(db.cursor(), sql, rows, page_size=BATCH)
            return len(rows)
        return insert_values
    conn = db.connection()
    sql = f'INSERT INTO "{table}" ({cols}) VALUES ({", ".join("?" for _ in columns)})'  # nosec B608 # checked names

    def insert(data: bytes) -> int:
        rows = parsed(data)
        conn.executemany(sql, rows)
        return len(rows)
    return insert


def _load(db: peewee.Database, checked_members: Iterator[archive.Member], passphrase, progress) -> tuple[dict, dict, bytes]:
    """Load every table member into `db` (schema already at the archive's migration)."""
    manifest: dict = {}
    tables: dict = {}
    counts: dict[str, int] = {}
    loaders: dict = {}
    key = b""
    total = done = 0
    for member in checked_members:
        if member.name == archive.MANIFEST:
            manifest = member.json()
            tables = manifest_tables(manifest)
            counts = {t: 0 for t in tables}
            total = sum(t.get("rows", 0) for t in tables.values())
            continue
        if member.name in (archive.KEY_PLAIN, archive.KEY_SEALED):
            key = read_key(member, passphrase)
            continue
        table = table_of(member.name, tables)
        if table not in loaders:
            loaders[table] = _loader(db, table, tables[table]["columns"])
        n = loaders[table](member.data)
        counts[table] += n
        done += n
        if progress:
            progress(done, total)
    check_counts(manifest, counts)
    return manifest, counts, key


def _runner(db: peewee.Database):
    from playhouse.migrations import Runner

    from plexportal.cli import MIGRATIONS_DIR

    return Runner(db, str(MIGRATIONS_DIR))


def _reset_sequences(db: peewee.PostgresqlDatabase, tables: list[str]) -> None:
    for t in tables:
        if "id" not in {c.name for c in db.get_columns(t)}:
            continue
        seq = db.execute_sql("SELECT pg_get_serial_sequence(%s, 'id')", (f'"{t}"',)).fetchone()
        if seq and seq[0]:
            db.execute_sql(f'SELECT setval(%s, COALESCE((SELECT MAX(id) FROM "{t}"), 1), '  # nosec B608 # checked
                           f'(SELECT MAX(id) FROM "{t}") IS NOT NULL)', (seq[0],))


def _verify_loaded(db: peewee.Database, counts: dict[str, int]) -> None:
    for t, n in counts.items():
        found = db.execute_sql(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]  # nosec B608 # checked names
        if found != n:
            raise RestoreError(f"Table {t} holds {found} rows after loading, not {n}: nothing was replaced.")


def _load_sqlite(live: Path, path: Path, passphrase, target: str, progress) -> tuple[dict, dict, bytes, list]:
    staging = live.with_name(live.name + ".restoring")
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(staging) + suffix).unlink(missing_ok=True)
    sdb = peewee.SqliteDatabase(str(staging), pragmas={"foreign_keys": 0, "journal_mode": "memory",
                                                        "synchronous": 0, "cache_size": -16000})
    ok = False
    try:
        sdb.connect()
        _runner(sdb).up(target)
        with sdb.atomic():
            # Indexes are built once after loading (a sort) rather than row by row: several times faster.
            indexes = sdb.execute_sql("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                                      "AND tbl_name != 'schema_migration'").fetchall()
            for name, _ in indexes:
                sdb.execute_sql(f'DROP INDEX "{name}"')
            manifest, counts, key = _load(sdb, members(path, passphrase), passphrase, progress)
            for _, sql in indexes:
                sdb.execute_sql(sql)
        # Counted as loaded, before forward migrations: a migration may add or remove rows itself.
        _verify_loaded(sdb, counts)
        forward = _runner(sdb).up()
        broken = sdb.execute_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RestoreError(f"The restored data has {len(broken)} broken references (first in table "
                               f"{broken[0][0]}): the archive is inconsistent; nothing was replaced.")
        sdb.execute_sql("PRAGMA journal_mode=wal")
        sdb.close()
        fd = os.open(staging, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        ok = True
        return manifest, counts, key, forward
    finally:
        if not sdb.is_closed():
            sdb.close()
        if not ok:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(str(staging) + suffix).unlink(missing_ok=True)


def _swap_sqlite(live: Path) -> None:
    staging = live.with_name(live.name + ".restoring")
    if live.exists():
        # Fold the live WAL into the file first: a leftover -wal beside the new file would be
        # replayed into it.
        conn = sqlite3.connect(live, timeout=30)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    for suffix in ("-wal", "-shm"):
        Path(str(live) + suffix).unlink(missing_ok=True)
        Path(str(staging) + suffix).unlink(missing_ok=True)
    os.replace(staging, live)
    fd = os.open(live.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _load_postgres(db: peewee.PostgresqlDatabase, path: Path, passphrase, target: str, progress):
    """Everything in one transaction: drop the current tables, build the archive's schema, load,
    migrate forward. PostgreSQL's DDL is transactional, so a failure rolls all of it back."""
    with db.connection_context(), db.atomic():
        from plexportal.db import all_models

        ours = {m._meta.table_name for m in all_models()} | set(checked_tables(path)) | {"schema_migration"}
        tables = [t for t in db.get_tables() if t in ours]
        if tables:
            db.execute_sql("DROP TABLE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")
        _runner(db).up(target)
        manifest, counts, key = _load(db, members(path, passphrase), passphrase, progress)
        _reset_sequences(db, list(counts))
        _verify_loaded(db, counts)                # as loaded, before forward migrations change rows
        forward = _runner(db).up()
    return manifest, counts, key, forward


def checked_tables(path: Path) -> list[str]:
    with open_archive(path) as fh:
        return [t["name"] for t in archive.read_manifest(fh).get("tables", [])]


def _write_key(data_dir: Path, key: bytes) -> Path:
    path = data_dir / "secret.key"
    tmp = data_dir / f".secret.key.restoring.{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.strip() + b"\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return path


def restore(path: Path, *, database: peewee.Database, data_dir: Path, env_secret_key: str | None,
            passphrase: str | None = None, force: bool = False, safety_backup: Callable[[], Path] | None = None,
            progress: Callable[[int, int], None] | None = None, echo: Callable[[str], None] = print) -> RestoreResult:
    """Replace the current database and key with the archive's. See the module docstring."""
    path = Path(path)
    with open_archive(path) as fh:
        try:
            manifest = archive.read_manifest(fh)
        except archive.ArchiveError as err:
            raise RestoreError(str(err)) from None
    target, _ = check_schema(manifest)
    if (manifest.get("key") or {}).get("sealed") and not passphrase:
        raise RestoreError("This backup's key file is sealed with a passphrase: give it (--passphrase-stdin) to restore.")
    with running.Exclusive(data_dir) as alone:
        if not alone:
            raise RestoreError("plexportal is running on this data directory (the web or the worker holds it). "
                               "Stop both first (docker compose stop web worker, or systemctl stop the plexportal "
                               "units), then restore.")
        beat = worker_heartbeat(database)
        if beat:
            raise RestoreError(beat)
        existing = current_rows(database)
        if existing and not force:
            raise RestoreError(f"The current database already holds data ({existing} rows). Add --force to replace "
                               "it (a safety backup of it is taken first), or restore into an empty data directory.")
        echo(f"Checking {path.name} (checksums, key, row counts)…")
        checked = verify(path, passphrase)
        safety = None
        if existing and safety_backup is not None:
            safety = safety_backup()
            echo(f"Safety backup of the current data: {safety}")
        echo(f"Restoring {checked.manifest.get('rows', 0)} rows in {len(checked.counts)} tables…")
        try:
            if isinstance(database, peewee.PostgresqlDatabase):
                if not database.is_closed():
                    database.close()
                _, counts, key, forward = _load_postgres(database, path, passphrase, target, progress)
            else:
                live = Path(database.database)
                _, counts, key, forward = _load_sqlite(live, path, passphrase, target, progress)
        except archive.ArchiveError as err:
            raise RestoreError(str(err)) from None
        except (peewee.DatabaseError, sqlite3.Error, OSError) as err:
            raise RestoreError(f"Loading the archive into the database failed ({err}).") from None
        if not isinstance(database, peewee.PostgresqlDatabase):
            if not database.is_closed():
                database.close()
            if hasattr(database, "close_all"):
                database.close_all()
            _swap_sqlite(live)
    warnings = []
    key_path = _write_key(data_dir, key)
    if env_secret_key and env_secret_key.encode() != key.strip():
        warnings.append("PLEXPORTAL_SECRET_KEY is set and is not the key in this backup: stored secrets will not "
                        f"decrypt until you set it to the key now in {key_path} (or unset it).")
    return RestoreResult(counts, forward, safety, key_path, warnings)
