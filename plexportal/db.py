"""Database: one DatabaseProxy for every model, bound by init_db() to SQLite or PostgreSQL."""
from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import peewee
from peewee import DatabaseProxy, Model
from playhouse.db_url import connect as connect_url
from playhouse.pool import PooledSqliteDatabase

from plexportal import areas

db = DatabaseProxy()
log = logging.getLogger(__name__)

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 5000,
    "synchronous": 1,          # NORMAL: safe with WAL; never OFF
    "cache_size": -16000,
}


class UTCDateTimeField(peewee.DateTimeField):
    """Stores naive UTC in the column, gives back aware UTC (DESIGN law 7)."""

    if TYPE_CHECKING:                # on a row the field is its value (peewee's descriptor)
        def __get__(self, instance: Any, owner: Any) -> Any: ...
        def __set__(self, instance: Any, value: Any) -> None: ...

    def db_value(self, value):
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError(f"{self.name}: naive datetime {value!r}; use lib.clock")
            value = value.astimezone(UTC).replace(tzinfo=None)
        return super().db_value(value)

    def python_value(self, value):
        value = super().python_value(value)
        if isinstance(value, datetime):
            if value.tzinfo is None:
                return value.replace(tzinfo=UTC)
            return value.astimezone(UTC)
        return value


class JSONField(peewee.TextField):
    """JSON in a TEXT column: the same on SQLite and PostgreSQL."""

    if TYPE_CHECKING:                # on a row the field is its value (peewee's descriptor)
        def __get__(self, instance: Any, owner: Any) -> Any: ...
        def __set__(self, instance: Any, value: Any) -> None: ...

    def db_value(self, value):
        if value is None:
            return None
        return json.dumps(value, separators=(",", ":"), sort_keys=True)

    def python_value(self, value):
        if value is None or value == "":
            return None
        return json.loads(value)


class BaseModel(Model):
    if TYPE_CHECKING:                # peewee makes these at run time; its stubs cannot know them
        id: Any                                             # the AutoField every model gets

        def __getattr__(self, name: str) -> Any: ...        # foreign-key ids (user_id), backrefs

    class Meta:
        database = db
        legacy_table_names = False


def capped_counts(queries: list, cap: int) -> list[int]:
    """The rows each query matches, each counted no further than cap + 1, in one statement (one
    round trip for a dashboard card's counts, each still a walk of no more than cap + 1 entries)."""
    if not queries:
        return []
    columns = [peewee.Select(from_list=[q.select(peewee.SQL("1")).order_by().limit(cap + 1).alias("w")],
                             columns=[peewee.fn.COUNT(peewee.SQL("*"))]).alias(f"n{i}")
               for i, q in enumerate(queries)]
    row = db.execute(peewee.Select(columns=columns)).fetchone()
    return [int(n) for n in row]


def make_database(config) -> peewee.Database:
    if config.database_url:
        from plexportal.config import ConfigError

        url = config.database_url
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://"):]
        try:
            if url.startswith("sqlite"):
                return connect_url(url, pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE")
            if url.startswith("postgres"):
                # Pooled as SQLite is: without, every request, every task and every record of a
                # task's run opened a connection of its own (a new server process each time), which
                # cost more CPU than the work itself in a burst of webhooks (docs/benchmarks.md).
                return connect_url("postgresql+pool://" + url.split("://", 1)[1], max_connections=64,
                                   stale_timeout=300, timeout=10)
        except Exception as err:  # noqa: BLE001 - any parse failure is the operator's to fix
            raise ConfigError(f"PLEXPORTAL_DATABASE_URL is not usable ({type(err).__name__}). Use "
                              "postgresql://user:password@host:5432/name or leave it unset for SQLite.") from None
        raise ConfigError("PLEXPORTAL_DATABASE_URL must start with postgresql:// (or sqlite:///); "
                          "leave it unset to use the SQLite file in the data directory.")
    # Pooled: a request hands its connection back instead of closing it. Closing the last
    # connection to a WAL database checkpoints and deletes the WAL (an fsync or two), which cost
    # every request ~25 ms and capped webhook ingest far below its target (docs/benchmarks.md).
    # BEGIN IMMEDIATE: a transaction that reads and then writes takes the write lock up front and
    # waits (busy_timeout) for another writer. A deferred one that upgrades while another writer
    # holds the lock fails at once with "database is locked", whatever the timeout.
    return PooledSqliteDatabase(str(config.app_db_path), pragmas=SQLITE_PRAGMAS, check_same_thread=False,
                                timeout=10, max_connections=64, stale_timeout=300, lock_type="IMMEDIATE")


class db_session:
    """Open a connection if none is open and close it only if we opened it (safe to nest,
    unlike Peewee's connection_context(), which always closes)."""

    def __enter__(self):
        self._opened = db.is_closed()
        if self._opened:
            db.connect()
        return db

    def __exit__(self, *exc):
        if self._opened and not db.is_closed():
            db.close()


def on_commit(fn, *args, **kwargs) -> None:
    """Run `fn(*args, **kwargs)` once the current transaction commits, or now when there is none
    (DESIGN law 13: a queue enqueue or a network call happens after the decision is stored, never
    inside the transaction that stores it). Discarded if the transaction rolls back. An exception
    from `fn` is logged, not raised: the committed rows are what counts, and the periodic sweeps
    pick them up if an enqueue is lost."""

    def run():
        try:
            fn(*args, **kwargs)
        except Exception:  # after commit there is nothing to undo
            log.exception("after-commit action %s failed", getattr(fn, "__name__", fn))

    db.after_commit(run)


class DatabaseFileProblem(peewee.OperationalError):
    """The SQLite file is missing, replaced or read-only: what is written now would be lost."""


_identity: dict[str, tuple[int, int]] = {}


def _sqlite_path() -> str | None:
    database = db.obj
    if not isinstance(database, peewee.SqliteDatabase):
        return None
    path = database.database
    return None if not path or path == ":memory:" or path.startswith("file:") else path


def remember_file() -> None:
    """Note which file this process opened, so a file deleted or moved under it is noticed."""
    path = _sqlite_path()
    if path:
        try:
            st = os.stat(path)
        except OSError:
            return
        _identity[path] = (st.st_dev, st.st_ino)


def file_problem() -> str | None:
    """A sentence when the SQLite file cannot be trusted with writes, else None. A process keeps
    writing into a file that was deleted (its open connections still reach it), and every write
    is lost at the next restart: better to answer 503 and let senders retry."""
    path = _sqlite_path()
    if path is None:
        return None
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if path not in _identity:
            return None                 # never created yet: the first connection creates it
        return (f"The database file {path} is missing (deleted or moved while plexportal was running). "
                "Put it back (or restore a backup) and restart plexportal.")
    except OSError as err:
        return f"The database file {path} cannot be checked ({err.strerror})."
    known = _identity.setdefault(path, (st.st_dev, st.st_ino))
    if known != (st.st_dev, st.st_ino):
        return (f"The database file {path} was replaced while plexportal was running: restart plexportal "
                "so that it uses the new file.")
    read_only = not (st.st_mode & 0o222) or not os.access(path, os.W_OK)
    try:
        read_only = read_only or bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        pass
    if read_only:
        return (f"The database file {path} is read-only: give the user plexportal runs as write access "
                "to it (and to its folder).")
    return None


def check_file() -> None:
    problem = file_problem()
    if problem:
        raise DatabaseFileProblem(problem)


def is_sqlite() -> bool:
    return isinstance(db.obj, peewee.SqliteDatabase)


def init_db(app, config) -> None:
    database = make_database(config)
    db.initialize(database)
    remember_file()

    @app.before_request
    def _open_db():
        from flask import request

        if request.endpoint == "health.healthz":
            return                 # /healthz reports a broken database itself, as JSON
        check_file()               # a vanished or read-only file answers 503, never a silent 200
        db.connect(reuse_if_open=True)

    @app.teardown_appcontext
    def _close_db(exc):
        if not db.is_closed():
            db.close()


def all_models() -> list[type[BaseModel]]:
    """Every model of every area, in dependency order (used by tests and the schema check)."""
    models = []
    for module in (module for area in areas.all_areas() for module in area.models):
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, BaseModel) and value is not BaseModel
                    and value.__module__ == module.__name__):
                models.append(value)
    return peewee.sort_models(models)
