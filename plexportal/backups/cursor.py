"""Where a reader of the backup script's files carries on: a stored cursor (offset + device/inode + a
fingerprint of the first bytes), so a file that was rotated, replaced or truncated is noticed and
read from its start, and the rest of a rotated file is found beside the new one."""
from __future__ import annotations

import gzip
import hashlib
import io
import os
from pathlib import Path

from plexportal.backups.models import LogCursor
from plexportal.lib import clock

FINGERPRINT_BYTES = 256


def fingerprint(handle, size: int = FINGERPRINT_BYTES) -> str:
    handle.seek(0)
    return hashlib.sha256(handle.read(size)).hexdigest()


def get(name: str) -> LogCursor:
    cursor, _ = LogCursor.get_or_create(name=name)
    return cursor


def position(cursor: LogCursor, path: Path, handle, restart: bool) -> tuple[int, str]:
    """Where to start reading and, when from the top, why."""
    st = os.fstat(handle.fileno())
    if restart:
        return 0, ""
    if cursor.inode is None:
        return 0, ""
    if (cursor.device, cursor.inode) != (st.st_dev, st.st_ino) or cursor.path != str(path):
        return 0, "the file was replaced (rotated)"
    if st.st_size < cursor.offset:
        return 0, "the file is shorter than before (truncated)"
    if cursor.offset >= FINGERPRINT_BYTES and fingerprint(handle) != cursor.fingerprint:
        return 0, "the file's beginning changed (rewritten)"
    return cursor.offset, ""


def rotated_sibling(cursor: LogCursor) -> io.BufferedIOBase | None:
    """After a rename-style rotation, the file we were reading now lives beside the new one: as
    `.1`, a dated name (`backup.log-20260512`, `backup.log.2026-05-12`) or compressed (`.1.gz`,
    `-20260512.gz`). A plain one is recognised by its inode, a compressed one (a new file) by the
    first bytes we had read. Returns an open binary handle positioned at our offset, or None."""
    if cursor.inode is None or not cursor.path:
        return None
    base = Path(cursor.path)
    try:
        siblings = [p for p in base.parent.iterdir() if p.name.startswith(base.name) and p.name != base.name]
    except OSError:
        return None
    siblings.sort(key=lambda p: p.stat().st_mtime if p.exists() else 0, reverse=True)
    handle: io.BufferedIOBase               # a GzipFile or a plain file
    for candidate in siblings[:20]:
        try:
            st = candidate.stat()
            if candidate.suffix == ".gz":
                handle = gzip.open(candidate, "rb")  # noqa: SIM115 - handed on to the caller, which closes it
                if not cursor.fingerprint or fingerprint(handle, min(cursor.offset, FINGERPRINT_BYTES)) \
                        != cursor.fingerprint:
                    handle.close()
                    continue
            elif (st.st_dev, st.st_ino) == (cursor.device, cursor.inode) and st.st_size > cursor.offset:
                handle = open(candidate, "rb")  # noqa: SIM115 - handed on to the caller, which closes it
            else:
                continue
            handle.seek(cursor.offset)
            if not handle.read(1):                 # nothing written after our last read
                handle.close()
                continue
            handle.seek(cursor.offset)
            return handle
        except (OSError, EOFError, gzip.BadGzipFile):
            continue
    return None


def advance(cursor: LogCursor, path: Path, handle, offset: int, state: dict | None = None) -> None:
    """Store where reading stopped in `handle` (the file at `path`), with the open section's state."""
    st = os.fstat(handle.fileno())
    cursor.path, cursor.device, cursor.inode = str(path), st.st_dev, st.st_ino
    cursor.offset = offset
    # The first bytes read (up to FINGERPRINT_BYTES): notice a rewrite, and find the file again once
    # logrotate has compressed it.
    cursor.fingerprint = fingerprint(handle, min(offset, FINGERPRINT_BYTES)) if offset else ""
    if state is not None:
        cursor.state = state
    cursor.read_at = clock.now()
    cursor.save()
