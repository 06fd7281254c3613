"""The Logs page's store: a logging handler in each process (web, worker, command line) that keeps
recent records in a bounded buffer and writes them, redacted, to LogRecord from a thread of its
own. Nothing is written inside a request's or a task's transaction, a slow database never
blocks the code that logs, and the table is trimmed to LOG_KEEP_RECORDS.

`install(config)` is the one entry point; it is called where logging is configured."""
from __future__ import annotations

import logging
import os
import sys
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple

from plexportal.config import Config
from plexportal.ops.redact import known_secrets, redact

BUFFER = 5000                 # records waiting to be written; the oldest are dropped beyond this
FLUSH_EVERY = 1.0             # seconds
SECRETS_EVERY = 30.0          # how often the list of secret values is re-read
PRUNE_EVERY = 60.0
MESSAGE_LIMIT = 8000
# Loggers that must not feed the store: the database driver (the store's own queries would log
# themselves) and the store itself.
_SKIP = ("peewee", "plexportal.ops.logstore")


class _Entry(NamedTuple):
    """One record waiting in the buffer: a LogRecord row before redaction."""
    at: datetime
    process: str
    level: str
    levelno: int
    area: str
    logger: str
    message: str
    subject_kind: str
    subject_id: int | None


@dataclass
class _State:
    process: str = ""
    background: bool = True             # written by a thread of our own (False under tests)
    config: Config | None = None        # the one given to install(): known_secrets reads it
    pid: int | None = None              # the process that started `thread`
    thread: threading.Thread | None = None
    secrets: list[str] = field(default_factory=list)
    secrets_at: float = 0.0
    pruned_at: float = 0.0
    warned: bool = False                # the store-unavailable note was printed


_buffer: deque[_Entry] = deque(maxlen=BUFFER)
_local = threading.local()
_state = _State()
_wake = threading.Event()


def process_role() -> str:
    prog = os.path.basename(sys.argv[0] if sys.argv else "")
    if "huey_consumer" in prog:
        return "worker"
    if "gunicorn" in prog:
        return "web"
    if prog in ("flask", "python", "python3") or prog.endswith(".py"):
        return "cli"
    return prog[:12] or "cli"


def area_of(name: str) -> str:
    parts = name.split(".")
    if parts[0] == "plexportal":
        return parts[1] if len(parts) > 1 else "app"
    if parts[0] == "huey":
        return "worker"
    if parts[0] == "gunicorn":
        return "web"
    return parts[0][:32]


class StoreHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        if getattr(_local, "flushing", False) or record.name.startswith(_SKIP):
            return
        # huey logs every task it runs at INFO: the Jobs page already shows that.
        if record.name.startswith("huey") and record.levelno < logging.WARNING:
            return
        try:
            text = record.getMessage()
            if record.exc_info and record.exc_info[0] is not None:
                text += "\n" + "".join(traceback.format_exception(*record.exc_info))[-4000:]
            subject = getattr(record, "subject", None)
            kind, ident = (subject if isinstance(subject, tuple) and len(subject) == 2 else ("", None))
            _buffer.append(_Entry(datetime.fromtimestamp(record.created, UTC), _state.process,
                                  record.levelname[:8], record.levelno, area_of(record.name), record.name[:100],
                                  text[:MESSAGE_LIMIT], str(kind)[:16], ident if isinstance(ident, int) else None))
            _ensure_thread()
        except Exception:  # noqa: BLE001 - logging must never break the caller  # nosec B110
            pass


def install(config, process: str | None = None) -> None:
    """Add the store's handler to the root logger (once per process) for this configuration."""
    root = logging.getLogger()
    if not any(isinstance(h, StoreHandler) for h in root.handlers):
        root.addHandler(StoreHandler(level=logging.INFO))
    _state.process = process or process_role()
    _state.config = config
    _state.secrets_at = 0.0
    # Tests build many apps on many databases: records are written when a test flushes, never by
    # a thread that may outlive the database it was meant for.
    _state.background = not config.testing
    if config.testing:
        _buffer.clear()


def _ensure_thread() -> None:
    if not _state.background:
        return
    pid = os.getpid()
    if _state.pid == pid and _state.thread is not None and _state.thread.is_alive():
        return
    _state.pid = pid                     # after a fork the parent's thread is not ours
    thread = threading.Thread(target=_run, name="plexportal-logstore", daemon=True)
    _state.thread = thread
    thread.start()


def _run() -> None:
    while True:
        _wake.wait(FLUSH_EVERY)
        _wake.clear()
        if not _state.background or _state.pid != os.getpid():
            continue                        # a test app took over this process: it flushes itself
        try:
            flush()
        except Exception:  # noqa: BLE001 - keep the thread alive whatever happens  # nosec B110
            pass


def _secrets() -> list[str]:
    now = time.monotonic()
    if now - _state.secrets_at > SECRETS_EVERY:
        _state.secrets = known_secrets(_state.config)
        _state.secrets_at = now
    return _state.secrets


def flush() -> int:
    """Write everything buffered (redacted) and trim the table. Returns the number written."""
    written = 0
    while _buffer:
        n = _flush_batch()
        if not n:
            break
        written += n
    return written


def _flush_batch() -> int:
    from plexportal.db import db, db_session
    from plexportal.ops.models import LogRecord

    _local.flushing = True
    try:
        batch: list[_Entry] = []
        while _buffer and len(batch) < 1000:
            batch.append(_buffer.popleft())
        with db_session():
            known = _secrets()
            rows = [{**entry._asdict(), "message": redact(entry.message, known)} for entry in batch]
            with db.atomic():
                LogRecord.insert_many(rows).execute()
            _prune()
        return len(rows)
    except Exception as err:  # noqa: BLE001 - a database that is down or not migrated yet: drop them
        if not _state.warned:
            _state.warned = True
            print(f"plexportal: the Logs page store is not available ({type(err).__name__}); records are "
                  "only printed until it is.", file=sys.stderr)
        return 0
    finally:
        _local.flushing = False


def _prune(force: bool = False) -> int:
    from peewee import fn

    from plexportal.ops.models import LogRecord
    from plexportal.settings import service as settings

    now = time.monotonic()
    if not force and now - _state.pruned_at < PRUNE_EVERY:
        return 0
    _state.pruned_at = now
    keep = settings.get_int("LOG_KEEP_RECORDS")
    newest = LogRecord.select(fn.MAX(LogRecord.id)).scalar() or 0
    return LogRecord.delete().where(LogRecord.id <= newest - keep).execute()


def prune() -> int:
    return _prune(force=True)
