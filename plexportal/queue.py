"""The Huey instance. SqliteHuey in the data dir by default; PriorityRedisHuey when
PLEXPORTAL_REDIS_URL is set. Tasks are declared with `app_task`/`app_periodic`, which run
them inside an app context with a database connection."""
from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from huey import PriorityRedisHuey, SqliteHuey
from huey.api import Huey
from huey.storage import PriorityRedisStorage, SqliteStorage
from huey.utils import utcnow

from plexportal.config import Config
from plexportal.lib.doorbell import Doorbell

log = logging.getLogger(__name__)


if TYPE_CHECKING:
    from huey.storage import BaseStorage as _StorageBase
else:
    _StorageBase = object


class _WaitForWork(_StorageBase):
    """dequeue() that waits for work instead of answering "nothing" at once, and that runs
    scheduled tasks at their due time itself.

    Huey's consumer polls a non-blocking queue with a growing sleep (0.1 s up to 10 s) and moves
    scheduled tasks (a batch's send at its due time) into the queue on a one-second tick: together
    up to 1.5 s between "due" and "running". Here a waiting worker wakes when work is added
    (`_wait`, per backend) or when the next scheduled task is due, whichever is first, and at the
    latest after MAX_WAIT to look again."""

    blocking = True
    MAX_WAIT = 1.0

    def _next_due(self) -> float | None:            # seconds from now to the next scheduled task
        raise NotImplementedError

    def _move_due(self) -> float:
        """Move the scheduled tasks that are due into the queue (atomically taken, so a task is
        moved once whoever else is moving); return how long until the next one (MAX_WAIT at most)."""
        until = self._next_due()
        if until is not None and until <= 0:
            for data in self.read_schedule(utcnow()):
                super().enqueue(data)
            until = self._next_due()
        return self.MAX_WAIT if until is None else max(0.0, min(until, self.MAX_WAIT))


class _DurableSqliteStorage(_WaitForWork, SqliteStorage):
    """WAL with synchronous=NORMAL: commits skip the fsync (what made enqueueing slow) yet the file
    cannot be corrupted by a power cut; at worst the last few enqueues are lost, and the periodic
    sweeps that scan for due rows recover those. Huey's fsync=False would mean synchronous=OFF,
    which can corrupt the queue on power loss.

    Enqueueing rings a doorbell (lib/doorbell.py) beside the queue file, so a waiting consumer,
    in another process, starts the task at once."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.bell = Doorbell(Path(self.filename).resolve().parent / "queue-wake")

    def _create_connection(self):
        conn = super()._create_connection()
        conn.execute("pragma synchronous=1")
        return conn

    def enqueue(self, data, priority=None):
        super().enqueue(data, priority)
        self.bell.ring()

    def add_to_schedule(self, data, ts):
        super().add_to_schedule(data, ts)
        self.bell.ring()                          # a waiting worker shortens its wait to this one

    def _next_due(self) -> float | None:
        row = self.sql("select min(timestamp) from schedule where queue = ?", (self.name,), results=True)
        if not row or row[0][0] is None:
            return None
        return row[0][0] - utcnow().timestamp()  # the same naive-UTC convention Huey stores

    def dequeue(self):
        self.bell.wait(0)                         # listening from now on, before the first look
        wait = self._move_due()
        data = SqliteStorage.dequeue(self)
        if data is None and wait > 0:
            self.bell.wait(wait)
            self._move_due()
            data = SqliteStorage.dequeue(self)
        return data


class _WaitingRedisStorage(_WaitForWork, PriorityRedisStorage):
    """Redis's blocking pop (BZPOPMIN) on the queue and on a wake-up key, so adding a scheduled
    task shortens the wait of a worker that is blocked."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.wake_key = f"huey.wake.{self.name}"

    def add_to_schedule(self, data, ts):
        super().add_to_schedule(data, ts)
        self.conn.zadd(self.wake_key, {b"wake": 0})

    def _next_due(self) -> float | None:
        first = self.conn.zrange(self.schedule_key, 0, 0, withscores=True)
        if not first:
            return None
        return first[0][1] - self.convert_ts(utcnow())

    def dequeue(self):
        wait = self._move_due()
        if wait <= 0:
            items = self.conn.zpopmin(self.queue_key, count=1)
            return items[0][0][8:] if items else None
        try:
            # A timeout of 0 would block for ever; the wait is never below 10 ms here.
            key, res, _ = self.conn.bzpopmin([self.queue_key, self.wake_key], timeout=max(wait, 0.01))
        except (TimeoutError, TypeError, IndexError):
            return None                           # nothing came: the worker asks again at once
        if (key.decode() if isinstance(key, bytes) else key) == self.wake_key:
            return None
        return res[8:]                            # the priority queue's timestamp prefix


class _SqliteHuey(SqliteHuey):
    storage_class = _DurableSqliteStorage


class _RedisHuey(PriorityRedisHuey):
    storage_class = _WaitingRedisStorage


def _build(config: Config) -> Huey:
    if config.huey_immediate:
        h = SqliteHuey("plexportal", filename=":memory:", immediate=True, utc=True)
        return h
    # results=False: nothing reads a task's return value back, and storing it was a second write
    # to the queue for every task (a webhook processed, a message sent).
    if config.redis_url:
        return _RedisHuey("plexportal", url=config.redis_url, utc=True, results=False)
    config.ensure_data_dir()
    # Tables are made where a process starts (create_tables), not by every create_app.
    return _SqliteHuey("plexportal", filename=str(config.huey_db_path), utc=True, timeout=10, create_tables=False,
                       results=False)


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
