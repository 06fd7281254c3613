"""Reading the backup script's files into BackupRun rows: the full import and the poller.

Both read from a stored cursor (offset + device/inode + a fingerprint of the first bytes), so a
file that was rotated, replaced or truncated is noticed and read from its start. Rows are upserted
by a natural key, so importing the same file twice gives the same rows.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Callable

from plexportal.backups import parsing
from plexportal.backups.models import BackupRun, LogCursor, TrackingDay
from plexportal.db import db
from plexportal.lib import clock

CHUNK = 8 * 1024 * 1024
FINGERPRINT_BYTES = 256


@dataclass
class ImportReport:
    path: str = ""
    bytes_read: int = 0
    runs: int = 0
    by_status: dict = field(default_factory=dict)
    dry_runs: int = 0
    open_run: bool = False
    unparsable_dates: int = 0
    zone_mismatches: int = 0
    abbreviations: set = field(default_factory=set)
    reset: str = ""                 # why the file was read from its start (rotated, truncated…)
    missing: bool = False
    tracking_lines: int = 0
    tracking_only_days: int = 0
    bad_lines: int = 0

    def lines(self) -> list[str]:
        if self.missing:
            return [f"{self.path}: not found"]
        out = [f"{self.path}: read {self.bytes_read:,} bytes"]
        if self.reset:
            out.append(f"  started from the beginning: {self.reset}")
        if self.tracking_lines or self.bad_lines:
            out.append(f"  {self.tracking_lines} tracking line(s), {self.tracking_only_days} day(s) with no log section")
        if self.runs or not self.tracking_lines:
            parts = ", ".join(f"{n} {s}" for s, n in sorted(self.by_status.items())) or "none"
            out.append(f"  {self.runs} run(s): {parts}")
        if self.dry_runs:
            out.append(f"  {self.dry_runs} dry run(s) (kept, not counted as backups)")
        if self.open_run:
            out.append("  one run still in progress")
        if self.bad_lines:
            out.append(f"  {self.bad_lines} line(s) not understood (skipped)")
        if self.unparsable_dates:
            out.append(f"  {self.unparsable_dates} marker(s) with a date that could not be read")
        if self.zone_mismatches:
            names = ", ".join(sorted(self.abbreviations)) or "?"
            out.append(f"  {self.zone_mismatches} date(s) name a zone ({names}) that is not BACKUP_TIMEZONE; "
                       "times were read in BACKUP_TIMEZONE: check that setting")
        return out


def zone():
    from plexportal.settings import service as settings

    return clock.zone(settings.get("BACKUP_TIMEZONE") or settings.get("TIMEZONE"))


def log_path() -> Path:
    from plexportal.settings import service as settings

    return Path(settings.get("BACKUP_LOG_PATH")).expanduser()


def tracking_path() -> Path:
    from plexportal.settings import service as settings

    explicit = settings.get("BACKUP_TRACKING_PATH")
    return Path(explicit).expanduser() if explicit else log_path().with_name("plex-backup-tracking.log")


def local_day(at: datetime) -> date:
    return at.astimezone(zone()).date()


# -- cursor ------------------------------------------------------------------------------------------

def _fingerprint(handle) -> str:
    handle.seek(0)
    return hashlib.sha256(handle.read(FINGERPRINT_BYTES)).hexdigest()


def _cursor(name: str) -> LogCursor:
    cursor, _ = LogCursor.get_or_create(name=name)
    return cursor


def _position(cursor: LogCursor, path: Path, handle, restart: bool) -> tuple[int, str]:
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
    if cursor.offset >= FINGERPRINT_BYTES and _fingerprint(handle) != cursor.fingerprint:
        return 0, "the file's beginning changed (rewritten)"
    return cursor.offset, ""


def _rotated_sibling(cursor: LogCursor) -> Path | None:
    """After a rename-style rotation, the file we were reading now lives beside the new one."""
    if cursor.inode is None or not cursor.path:
        return None
    base = Path(cursor.path)
    for candidate in (base.with_name(base.name + ".1"), base.with_name(base.name + ".0"),
                      base.with_name(base.name + ".old")):
        try:
            st = candidate.stat()
        except OSError:
            continue
        if (st.st_dev, st.st_ino) == (cursor.device, cursor.inode) and st.st_size > cursor.offset:
            return candidate
    return None


# -- the main log -------------------------------------------------------------------------------------

def read_log(path: Path | None = None, *, restart: bool = False,
             progress: Callable[[int], None] | None = None) -> ImportReport:
    """Read what is new in the log (everything when `restart`) and store the runs found."""
    from plexportal.settings import service as settings

    path = path or log_path()
    report = ImportReport(path=str(path))
    cursor = _cursor("log")
    binary = settings.get_bool("BACKUP_RSYNC_BINARY_UNITS")
    scanner = parsing.LogScanner(zone(), binary)
    try:
        handle = open(path, "rb")
    except OSError:
        report.missing = True
        return report
    with handle:
        start, reason = 0, ""
        if not restart:
            leftover = _rotated_sibling(cursor)
            if leftover is not None:
                # finish the rotated file first; an open section carries on into the new one
                scanner.load(cursor.state)
                with open(leftover, "rb") as old:
                    old.seek(cursor.offset)
                    consume(old, scanner, report, progress, cursor=None, start=cursor.offset)
            start, reason = _position(cursor, path, handle, restart)
            if start:
                scanner.load(cursor.state)
        report.reset = reason
        handle.seek(start)
        st = os.fstat(handle.fileno())
        offset = consume(handle, scanner, report, progress, cursor=cursor, start=start)
        open_run = scanner.open_run()
        if open_run is not None:
            report.open_run = True
            store_runs([open_run], report, source="log")
        with db.atomic():
            cursor.path, cursor.device, cursor.inode = str(path), st.st_dev, st.st_ino
            cursor.offset = offset
            cursor.fingerprint = _fingerprint(handle) if offset >= FINGERPRINT_BYTES else ""
            cursor.state = scanner.dump()
            cursor.read_at = clock.now()
            cursor.save()
    stats = scanner.stats
    report.unparsable_dates += stats.unparsable_dates
    report.zone_mismatches += stats.zone_mismatches
    report.abbreviations |= stats.abbreviations
    return report


def consume(handle, scanner: parsing.LogScanner, report: ImportReport, progress, *, cursor, start: int = 0) -> int:
    """Feed whole lines to the scanner chunk by chunk; return the offset after the last whole line."""
    offset = start
    carry = b""
    while True:
        chunk = handle.read(CHUNK)
        if not chunk:
            break
        report.bytes_read += len(chunk)
        if progress:
            progress(len(chunk))
        data = carry + chunk if carry else chunk
        cut = data.rfind(b"\n")
        if cut < 0:
            if len(data) > CHUNK:           # a giant line: treat what we have as body text
                runs = scanner.feed(data)
                offset += len(data)
                carry = b""
                store_runs(runs, report, source="log")
            else:
                carry = data
            continue
        runs = scanner.feed(data[:cut + 1])
        offset += cut + 1
        carry = data[cut + 1:]
        if runs:
            store_runs(runs, report, source="log")
    return offset


def run_key(run: parsing.ParsedRun, source: str) -> str:
    if run.started_at:
        return f"{source}:{run.started_at.strftime('%Y%m%dT%H%M%SZ')}"
    return f"{source}:end:{run.finished_at.strftime('%Y%m%dT%H%M%SZ')}" if run.finished_at else ""


def store_runs(runs: list[parsing.ParsedRun], report: ImportReport | None, *, source: str, job=None) -> list[str]:
    """Upsert parsed runs by key (idempotent); returns the keys stored."""
    keys = []
    rows = []
    now = clock.now()
    for run in runs:
        key = run_key(run, source)
        if not key:
            continue            # neither date could be read: counted in the scanner's stats
        at = run.started_at or run.finished_at
        rows.append(dict(
            key=key, source=source, day=local_day(at), started_at=run.started_at, finished_at=run.finished_at,
            duration_seconds=run.duration_seconds, status=run.status, exit_code=run.exit_code,
            sent_bytes=run.sent_bytes, received_bytes=run.received_bytes, total_size_bytes=run.total_size_bytes,
            files_transferred=run.files_transferred, dry_run=run.dry_run, excerpt=run.excerpt[:20000],
            note=run.note[:300], job=job, updated_at=now))
        keys.append(key)
        if report is not None and run.status != "running":
            report.runs += 1
            report.by_status[run.status] = report.by_status.get(run.status, 0) + 1
            report.dry_runs += int(run.dry_run)
    if not rows:
        return keys
    update_fields = [f for f in rows[0] if f not in ("key", "job")]
    with db.atomic():
        for batch in range(0, len(rows), 200):
            (BackupRun.insert_many(rows[batch:batch + 200])
             .on_conflict(conflict_target=[BackupRun.key],
                          update={getattr(BackupRun, f): pw_excluded(f) for f in update_fields})
             .execute())
        reconcile_days({r["day"] for r in rows})
    return keys


def pw_excluded(name: str):
    from peewee import EXCLUDED

    return getattr(EXCLUDED, name)


# -- the tracking file ----------------------------------------------------------------------------------

def read_tracking(path: Path | None = None, *, restart: bool = False) -> ImportReport:
    """Store new tracking lines (one per backup day) and derive runs for days the log does not cover."""
    path = path or tracking_path()
    report = ImportReport(path=str(path))
    cursor = _cursor("tracking")
    try:
        handle = open(path, "rb")
    except OSError:
        report.missing = True
        return report
    with handle:
        start, reason = _position(cursor, path, handle, restart)
        report.reset = reason
        handle.seek(start)
        offset = start
        # Re-reading from the top gives each line the same position again (idempotent, and a
        # trimmed file never deletes history); appended lines continue after the stored ones.
        counts: dict[date, int] = {}
        pending = []
        for raw in handle:
            if not raw.endswith(b"\n"):
                break                       # a line still being written: next time
            offset += len(raw)
            report.bytes_read += len(raw)
            line = raw.decode("utf-8", "replace").strip()
            if not line:
                continue
            parsed = parsing.parse_tracking_line(line)
            if parsed is None:
                report.bad_lines += 1
                continue
            pending.append(parsed)
            report.tracking_lines += 1
        st = os.fstat(handle.fileno())
        with db.atomic():
            for day, status in pending:
                if day not in counts:
                    counts[day] = TrackingDay.select().where(TrackingDay.day == day).count() if start else 0
                (TrackingDay.insert(day=day, position=counts[day], status=status)
                 .on_conflict(conflict_target=[TrackingDay.day, TrackingDay.position],
                              update={TrackingDay.status: status}).execute())
                counts[day] += 1
            report.tracking_only_days = reconcile_days(set(counts))
            cursor.path, cursor.device, cursor.inode = str(path), st.st_dev, st.st_ino
            cursor.offset = offset
            cursor.fingerprint = _fingerprint(handle) if offset >= FINGERPRINT_BYTES else ""
            cursor.read_at = clock.now()
            cursor.save()
    return report


def reconcile_days(days) -> int:
    """For each day, keep exactly one tracking-only run per tracking line the other runs don't cover.

    Order-independent, so importing the log and the tracking file in either order, any number of
    times, gives the same rows. Returns how many tracking-only runs exist for these days."""
    total = 0
    for day in days:
        lines = list(TrackingDay.select().where(TrackingDay.day == day).order_by(TrackingDay.position))
        covered = (BackupRun.select().where((BackupRun.day == day) & (BackupRun.source != "tracking")
                                            & (BackupRun.status != "missed") & (BackupRun.dry_run == False))  # noqa: E712
                   .count())
        wanted = lines[covered:]
        keys = []
        for line in wanted:
            key = f"tracking:{day.isoformat()}#{line.position}"
            keys.append(key)
            (BackupRun.insert(key=key, source="tracking", day=day, status=line.status, updated_at=clock.now())
             .on_conflict(conflict_target=[BackupRun.key],
                          update={BackupRun.status: line.status}).execute())
        stale = BackupRun.delete().where((BackupRun.day == day) & (BackupRun.source == "tracking"))
        if keys:
            stale = stale.where(BackupRun.key.not_in(keys))
        stale.execute()
        if wanted or covered:
            # a missed-run marker for this day is wrong once a run for it turns up
            BackupRun.delete().where((BackupRun.day == day) & (BackupRun.status == "missed")).execute()
        total += len(wanted)
    return total
