"""Writing a self-backup archive (see archive.py for the format), listing and pruning them."""
from __future__ import annotations

import errno
import json
import os
import re
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import peewee

from plexportal import __version__
from plexportal.ops import archive, dump, keyfile

NAME_RE = re.compile(r"^plexportal-backup-(\d{8}T\d{6}Z)(?:-\d+)?-(scheduled|manual|cli|upgrade|safety)\.tar\.gz$")
# How many of the special kinds are kept whatever SELF_BACKUP_KEEP says.
KEEP_SPECIAL = 3

Progress = Callable[[int, int, int, int], None]     # tables done, tables, rows done, rows


class BackupError(Exception):
    """The backup could not be made; the message says why in one sentence. Nothing was left behind."""


@dataclass
class BackupResult:
    path: Path
    size: int
    counts: dict[str, int]
    seconds: float
    manifest: dict = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def _disk_full(err: OSError) -> bool:
    return err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def _create_exclusive(folder: Path, kind: str, now: datetime) -> tuple[Path, Path, int]:
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    for n in range(1, 100):
        name = f"plexportal-backup-{stamp}{'' if n == 1 else f'-{n}'}-{kind}.tar.gz"
        final = folder / name
        partial = folder / (name + ".partial")
        if final.exists():
            continue
        try:
            return final, partial, os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
    raise BackupError(f"Could not find a free file name in {folder}.")


def create_backup(database: peewee.Database, folder: Path, *, secret_key: str, kind: str = "cli",
                  passphrase: str | None = None, progress: Progress | None = None,
                  now: datetime | None = None) -> BackupResult:
    """Write one archive into `folder` (created 0700 if missing). The file appears under its final
    name only when complete (written as .partial, synced, renamed); on any failure the partial
    file is removed and BackupError says what happened."""
    started = time.monotonic()
    now = now or datetime.now(UTC)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as err:
        raise BackupError(f"Cannot create the backup folder {folder}: {err.strerror}.") from None
    if not os.access(folder, os.W_OK):
        raise BackupError(f"The backup folder {folder} is not writable by this user.")
    try:
        final, partial, fd = _create_exclusive(folder, kind, now)
    except OSError as err:
        raise BackupError(_os_sentence(err, folder)) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            manifest, counts = _write(database, fh, folder, secret_key=secret_key, kind=kind,
                                      passphrase=passphrase, progress=progress, now=now)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(partial, final)
        _sync_dir(folder)
    except BaseException as err:
        partial.unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise BackupError(_os_sentence(err, folder)) from None
        if isinstance(err, (sqlite3.Error, peewee.DatabaseError)) or type(err).__module__.startswith("psycopg2"):
            if "full" in str(err).lower():
                raise BackupError(_os_sentence(OSError(errno.ENOSPC, "No space left on device"), folder)) from None
            raise BackupError(f"The database could not be read for the backup ({err}).") from None
        raise
    return BackupResult(final, final.stat().st_size, counts, time.monotonic() - started, manifest)


def _os_sentence(err: OSError, folder: Path) -> str:
    if _disk_full(err):
        return (f"The disk holding {folder} is full, so the backup was not made (the partial file was "
                "removed). Free some space or choose another folder.")
    return f"Writing the backup to {folder} failed: {err.strerror or err}."


def _sync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write(database, fh, folder: Path, **kw):
    writer = archive.Writer(fh)
    try:
        return _write_members(writer, database, folder, **kw)
    except BaseException:
        writer.abort()
        raise


def _write_members(writer: archive.Writer, database, folder: Path, *, secret_key, kind, passphrase, progress, now):
    with dump.snapshot(database, folder) as snap:
        tables = snap.tables()
        columns = {t: snap.columns(t) for t in tables}
        counts = {t: snap.count(t) for t in tables}
        total = sum(counts.values())
        sealed = bool(passphrase)
        manifest = {
            "format": archive.FORMAT,
            "format_version": archive.FORMAT_VERSION,
            "app_version": __version__,
            "created_at": now.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "kind": kind,
            "database": snap.backend,
            "schema": {"applied": snap.applied()},
            "tables": [{"name": t, "columns": columns[t], "rows": counts[t]} for t in tables],
            "rows": total,
            "key": {"file": archive.KEY_SEALED if sealed else archive.KEY_PLAIN, "sealed": sealed},
        }
        manifest["schema"]["migration"] = (manifest["schema"]["applied"] or [""])[-1]
        writer.add_json(archive.MANIFEST, manifest)
        # The key right after the manifest: a restore with a wrong passphrase stops at once.
        key = (secret_key + "\n").encode()
        if sealed:
            writer.add(archive.KEY_SEALED, keyfile.seal(key, passphrase))
        else:
            writer.add(archive.KEY_PLAIN, key)
        done = 0
        if progress:
            progress(0, len(tables), 0, total)
        for i, table in enumerate(tables):
            def chunk_done(rows, i=i, done=done):
                if progress:
                    progress(i, len(tables), done + rows, total)
            done += _write_table(writer, snap, table, columns[table], chunk_done)
            if progress:
                progress(i + 1, len(tables), done, total)
    writer.finish()
    return manifest, counts


def _write_table(writer: archive.Writer, snap: dump.Snapshot, table: str, columns: list[str],
                 chunk_done: Callable[[int], None]) -> int:
    encode = json.JSONEncoder(separators=(",", ":"), default=dump.jsonable, ensure_ascii=False).encode
    as_json = getattr(snap, "json_rows", lambda *a: None)(table, columns)
    source = as_json if as_json is not None else (encode(row) for row in snap.rows(table, columns))
    chunk: list[bytes] = []
    size = index = rows = 0
    for text in source:
        line = (text + "\n").encode()
        chunk.append(line)
        size += len(line)
        rows += 1
        if size >= archive.CHUNK_BYTES:
            index += 1
            writer.add(archive.table_member(table, index), b"".join(chunk))
            chunk, size = [], 0
            chunk_done(rows)
    if chunk:
        index += 1
        writer.add(archive.table_member(table, index), b"".join(chunk))
    return rows


# -- the folder --------------------------------------------------------------------------------------

@dataclass
class ArchiveFile:
    path: Path
    kind: str
    created_at: datetime
    size: int
    manifest: dict | None
    problem: str = ""

    @property
    def name(self) -> str:
        return self.path.name


def archives(folder: Path, read_manifests: bool = True, limit: int = 200) -> list[ArchiveFile]:
    """The archives in `folder`, newest first (only names plexportal writes)."""
    found = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        m = NAME_RE.match(entry.name)
        if not m or not entry.is_file(follow_symlinks=False):
            continue
        created = datetime.strptime(m.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        found.append(ArchiveFile(Path(entry.path), m.group(2), created, entry.stat().st_size, None))
    found.sort(key=lambda a: (a.created_at, a.name), reverse=True)
    found = found[:limit]
    if read_manifests:
        for a in found:
            try:
                with open(a.path, "rb") as fh:
                    a.manifest = archive.read_manifest(fh)
            except (archive.ArchiveError, OSError) as err:
                a.problem = str(err)
    return found


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete the oldest archives beyond `keep` (scheduled, Create now and command-line backups
    together) and beyond KEEP_SPECIAL for each of the upgrade and safety kinds."""
    removed = []
    groups: dict[str, list[ArchiveFile]] = {}
    for a in archives(folder, read_manifests=False, limit=100_000):
        groups.setdefault(a.kind if a.kind in ("upgrade", "safety") else "regular", []).append(a)
    for group, files in groups.items():
        limit = keep if group == "regular" else KEEP_SPECIAL
        for a in files[max(limit, 1):]:
            try:
                a.path.unlink()
                removed.append(a.path)
            except OSError:
                pass
    for stale in folder.glob("plexportal-backup-*.tar.gz.partial"):
        # A partial file older than a day belongs to a backup that was killed.
        try:
            if time.time() - stale.stat().st_mtime > 86400:
                stale.unlink()
        except OSError:
            pass
    return removed
