"""The Huey instance. SqliteHuey in the data dir by default; PriorityRedisHuey when
PLEXPORTAL_REDIS_URL is set. Tasks are declared with `app_task`/`app_periodic`, which run
them inside an app context with a database connection."""
from __future__ import annotations

import functools
import logging

from huey import PriorityRedisHuey, SqliteHuey
from huey.api import Huey
from huey.storage import SqliteStorage

from plexportal.config import Config

log = logging.getLogger(__name__)


class _DurableSqliteStorage(SqliteStorage):
    """WAL with synchronous=NORMAL: commits skip the fsync (what made enqueueing slow) yet the file
    cannot be corrupted by a power cut; at worst the last few enqueues are lost, and the periodic
    sweeps that scan for due rows recover those. Huey's fsync=False would mean synchronous=OFF,
    which can corrupt the queue on power loss."""

    def _create_connection(self):
        conn = super()._create_connection()
        conn.execute("pragma synchronous=1")
        return conn


class _SqliteHuey(SqliteHuey):
    storage_class = _DurableSqliteStorage


def _build(config: Config) -> Huey:
    if config.huey_immediate:
        h = SqliteHuey("plexportal", filename=":memory:", immediate=True, utc=True)
        return h
    if config.redis_url:
        return PriorityRedisHuey("plexportal", url=config.redis_url, utc=True)
    config.ensure_data_dir()
    # Tables are made where a process starts (create_tables), not by every create_app.
    return _SqliteHuey("plexportal", filename=str(config.huey_db_path), utc=True, timeout=10, create_tables=False)


def create_tables() -> None:
    """The SQLite queue's tables, made if missing (Redis and the tests' in-memory queue need none)."""
    storage = huey.instance.storage
    if isinstance(storage, SqliteStorage):
        storage.initialize_schema()


class _LazyHuey:
    """Tasks are declared at import time, before the configuration is known; the real Huey is
    made on first use from the configuration create_app() installs."""

    def __init__(self):
        self._huey: Huey | None = None
        self._config: Config | None = None

    def configure(self, config: Config) -> None:
        self._config = config
        self._huey = _build(config)
        for fn in _declared:
            fn(self._huey)

    def __getattr__(self, name):
        if self._huey is None:
            self.configure(Config.from_env())
        return getattr(self._huey, name)

    @property
    def instance(self) -> Huey:
        self.configure_once()
        return self._huey

    def configure_once(self) -> None:
        """Make the Huey from the environment's configuration unless create_app made it already."""
        if self._huey is None:
            self.configure(Config.from_env())


huey = _LazyHuey()
_app = None
_declared: list = []


def bind_app(app) -> None:
    global _app
    _app = app


def _in_app(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from flask import has_app_context

        from plexportal.db import db_session

        if has_app_context():          # immediate mode inside a request or a test
            with db_session():
                return fn(*args, **kwargs)
        app = _app
        if app is None:
            from plexportal import create_app

            app = create_app()
        with app.app_context(), db_session():
            return fn(*args, **kwargs)
    return wrapper


class TaskHandle:
    """What app_task returns: call it to enqueue; `.schedule(args, delay=…)`; `.call_local()`."""

    def __init__(self, fn, kwargs, periodic=None):
        self.fn = fn
        self.aliases = tuple(kwargs.pop("aliases", ()))
        self.kwargs = kwargs
        self.periodic = periodic
        self.name = f"{fn.__module__}.{fn.__name__}"
        self._task = None
        self._alias_tasks: list = []
        _declared.append(self._bind)
        if huey._huey is not None:
            self._bind(huey._huey)

    def _bind(self, h: Huey) -> None:
        wrapped = _in_app(self.fn)
        # Keep the dotted name stable: it is stored in queued messages.
        wrapped.__module__ = self.fn.__module__
        wrapped.__name__ = self.fn.__name__
        wrapped.__qualname__ = self.fn.__qualname__
        if self.periodic is not None:
            self._task = h.periodic_task(self.periodic, **self.kwargs)(wrapped)
        else:
            self._task = h.task(**self.kwargs)(wrapped)
        self._alias_tasks = [h.task(**self.kwargs)(self._renamed(alias)) for alias in self.aliases]

    def _renamed(self, dotted: str):
        """The same work under a former dotted name, so messages queued before a task moved still
        run. Never periodic: the schedule belongs to the current name only."""
        wrapped = _in_app(self.fn)
        module, _, name = dotted.rpartition(".")
        wrapped.__module__, wrapped.__name__, wrapped.__qualname__ = module, name, name
        return wrapped

    @property
    def task(self):
        if self._task is None:
            huey.configure_once()           # binding to the Huey made from the configuration sets _task
        return self._task

    def __call__(self, *args, **kwargs):
        return self.task(*args, **kwargs)

    def schedule(self, *args, **kwargs):
        return self.task.schedule(*args, **kwargs)

    def call_local(self, *args, **kwargs):
        return self.fn(*args, **kwargs)


def app_task(**kwargs):
    """@app_task(retries=3, retry_delay=10) — a Huey task run inside the app context.
    `aliases=("plexportal.old.module.name_task",)` keeps former dotted names working for messages
    queued before the task moved (see docs/upgrading.md)."""
    def decorate(fn):
        return TaskHandle(fn, kwargs)
    return decorate


def app_periodic(validate_datetime, **kwargs):
    """@app_periodic(crontab(minute='*')) — a periodic task run inside the app context (`aliases`
    as for app_task)."""
    def decorate(fn):
        return TaskHandle(fn, kwargs, periodic=validate_datetime)
    return decorate


_on_start: list = []


def on_worker_start(task: TaskHandle) -> TaskHandle:
    """Enqueue `task` once each time a consumer process starts (recovering what a worker that was
    killed left behind, without waiting for the next minute's sweep)."""
    _on_start.append(task)
    return task


def install_startup(h: Huey) -> None:
    """Called by the worker: the consumer runs startup hooks in each of its threads; enqueue once."""
    import threading

    done = threading.Lock()

    @h.on_startup("plexportal-recovery")
    def _enqueue_recovery():
        if not done.acquire(blocking=False):
            return
        for task in _on_start:
            try:
                task()
            except Exception as err:  # noqa: BLE001 - the minute sweeps recover the same rows
                log.warning("could not enqueue %s at start: %s", task.name, err)


def queue_status() -> str:
    """'ok' or a short reason, for /healthz."""
    try:
        h = huey.instance
        h.storage.queue_size()
        return "ok"
    except Exception as err:  # noqa: BLE001 - any storage failure is "queue down"
        log.warning("queue check failed: %s", err)
        return "unavailable"
