"""Who is using the data directory. The web and the worker each hold a shared lock on
`<data dir>/.running.lock` for as long as they run; a restore asks for it exclusively and stops
if anyone holds it. (The file lock covers one host; the worker's heartbeat in JobState covers a
worker elsewhere, e.g. on PostgreSQL.)"""
from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_NAME = ".running.lock"
_held: dict[str, int] = {}


def hold(data_dir: Path, role: str) -> bool:
    """Take the shared lock for this process (idempotent). Never blocks; False if it could not."""
    key = str(Path(data_dir).resolve())
    if key in _held:
        return True
    try:
        fd = os.open(Path(data_dir) / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)            # a restore holds it right now; the process starts anyway
        return False
    os.set_inheritable(fd, False)
    _held[key] = fd
    return True


class Exclusive:
    """`with Exclusive(data_dir) as ok:` ok is False when a web or worker holds the shared lock."""

    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / LOCK_NAME
        self.fd: int | None = None

    def __enter__(self) -> bool:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False

    def __exit__(self, *exc):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
