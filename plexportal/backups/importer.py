"""Reading the backup script's files into BackupRun rows: the full import and the poller.

Both read from a stored cursor (offset + device/inode + a fingerprint of the first bytes), so a
file that was rotated, replaced or truncated is noticed and read from its start (cursor.py). Rows are
upserted by a natural key, so importing the same file twice gives the same rows (store.py).
"""
from __future__ import annotations

import io
import mmap
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from peewee import fn

from plexportal.backups import cursor as cursors
from plexportal.backups import parsing
from plexportal.backups.models import TrackingDay
from plexportal.backups.store import local_day, reconcile_days, run_key, store_runs, zone  # noqa: F401
from plexportal.db import db, is_sqlite

CHUNK = 2 * 1024 * 1024


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
    seconds: float = 0.0
    cpu_seconds: float = 0.0

    def lines(self) -> list[str]:
        if self.missing:
            return [f"{self.path}: not found"]
        speed = (f" in {self.seconds:.2f} s ({self.bytes_read / self.seconds / 1e6:,.0f} MB/s; "
                 f"CPU {self.cpu_seconds:.2f} s)") if self.seconds > 0.05 else ""
        out = [f"{self.path}: read {self.bytes_read:,} bytes{speed}"]
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



def log_path() -> Path:
    from plexportal.settings import service as settings

    return Path(settings.get("BACKUP_LOG_PATH")).expanduser()


TRACKING_NAME = "plex-backup-tracking.log"


def explicit_tracking_path() -> str:
    from plexportal.settings import service as settings

    return settings.get("BACKUP_TRACKING_PATH")


def tracking_path() -> Path:
    explicit = explicit_tracking_path()
    return Path(explicit).expanduser() if explicit else log_path().with_name(TRACKING_NAME)


# -- the main log -------------------------------------------------------------------------------------

def read_log(path: Path | None = None, *, restart: bool = False,
             progress: Callable[[int], None] | None = None) -> ImportReport:
    """Read what is new in the log (everything when `restart`) and store the runs found."""
    if not (restart and is_sqlite()):
        return _read_log(path, restart, progress)
    # A whole-file import writes thousands of rows once: a small page cache keeps memory flat.
    previous = db.execute_sql("PRAGMA cache_size").fetchone()[0]
    db.execute_sql("PRAGMA cache_size = -2000")
    try:
        return _read_log(path, restart, progress)
    finally:
        db.execute_sql(f"PRAGMA cache_size = {int(previous)}")


def _read_log(path: Path | None, restart: bool, progress) -> ImportReport:
    from plexportal.settings import service as settings

    path = path or log_path()
    report = ImportReport(path=str(path))
    began, cpu_began = time.perf_counter(), time.process_time()
    cursor = cursors.get("log")
    binary = settings.get_bool("BACKUP_RSYNC_BINARY_UNITS")
    scanner = parsing.LogScanner(zone(), binary)
    try:
        handle = open(path, "rb")  # noqa: SIM115 - the with below closes it; only opening may fail here
    except OSError:
        report.missing = True
        return report
    with handle:
        start, reason = 0, ""
        if not restart:
            leftover = cursors.rotated_sibling(cursor)
            if leftover is not None:
                # finish the rotated file first; an open section carries on into the new one
                scanner.load(cursor.state)
                with leftover as old:
                    consume(old, scanner, report, progress, cursor=None, start=cursor.offset)
            start, reason = cursors.position(cursor, path, handle, restart)
            if start:
                scanner.load(cursor.state)
        report.reset = reason
        handle.seek(start)
        offset = consume(handle, scanner, report, progress, cursor=cursor, start=start)
        open_run = scanner.open_run()
        if open_run is not None:
            report.open_run = True
            store_runs([open_run], report, source="log")
        with db.atomic():
            cursors.advance(cursor, path, handle, offset, state=scanner.dump())
    report.seconds = time.perf_counter() - began
    report.cpu_seconds = time.process_time() - cpu_began
    stats = scanner.stats
    report.unparsable_dates += stats.unparsable_dates
    report.zone_mismatches += stats.zone_mismatches
    report.abbreviations |= stats.abbreviations
    return report


def consume(handle, scanner: parsing.LogScanner, report: ImportReport, progress, *, cursor, start: int = 0) -> int:
    """Feed whole lines to the scanner; store the runs it finds; return the offset after the last
    whole line. A plain file is mapped and scanned in place (no copy of the listing); anything else
    (a compressed rotation) is read through one reusable buffer. Either way memory stays flat."""
    mapped = _map(handle, start)
    days: set = set()
    if mapped is not None:
        with mapped:
            offset = _consume_mapped(mapped, scanner, report, progress, start, days)
    else:
        offset = _consume_buffered(handle, scanner, report, progress, start, days)
    if days:
        with db.atomic():
            reconcile_days(days)
    return offset


WINDOW = 4 * 1024 * 1024        # scanned per step, then dropped from the process's mapping
BATCH = 250                    # runs per upsert batch


def _map(handle, start: int):
    """A read-only map of a plain file with something after `start`, or None."""
    if not isinstance(handle, io.BufferedReader):
        return None
    try:
        st = os.fstat(handle.fileno())
        if not stat.S_ISREG(st.st_mode) or st.st_size <= start:
            return None
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None


def _consume_mapped(mm, scanner: parsing.LogScanner, report: ImportReport, progress, start: int, days: set) -> int:
    size = len(mm)
    dropped = start - start % mmap.PAGESIZE
    pos = start
    pending: list[parsing.ParsedRun] = []
    while pos < size:
        stop = pos + WINDOW
        if stop >= size:
            cut = mm.rfind(b"\n", pos, size) + 1
            if cut <= pos:                  # only a line still being written is left
                if size - pos <= CHUNK:
                    break
                cut = size                  # a giant line: treat it as body text
        else:
            cut = mm.rfind(b"\n", pos, stop) + 1
            if cut <= pos:
                cut = mm.find(b"\n", stop) + 1 or size
        pending += scanner.feed(mm, pos, cut)
        if progress:
            progress(cut - pos)
        pos = cut
        if len(pending) >= BATCH:
            store_runs(pending, report, source="log", days=days)
            pending = []
        edge = pos - pos % mmap.PAGESIZE
        if edge > dropped and hasattr(mm, "madvise"):
            # The pages stay in the page cache; this only keeps them out of our resident set.
            mm.madvise(mmap.MADV_DONTNEED, dropped, edge - dropped)
            dropped = edge
    report.bytes_read += size - start
    if pending:
        store_runs(pending, report, source="log", days=days)
    return pos


def _consume_buffered(handle, scanner: parsing.LogScanner, report: ImportReport, progress, start: int,
                      days: set) -> int:
    offset = start
    carry = b""
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    pending: list[parsing.ParsedRun] = []
    while True:
        n = handle.readinto(buf)
        if not n:
            break
        report.bytes_read += n
        if progress:
            progress(n)
        first = buf.find(b"\n", 0, n)
        if first < 0:
            carry += bytes(view[:n])
            if len(carry) > CHUNK:          # a giant line: treat what we have as body text
                pending += scanner.feed(carry)
                offset += len(carry)
                carry = b""
            continue
        if carry:                           # finish the line begun in the previous chunk
            head = carry + bytes(view[:first + 1])
            pending += scanner.feed(head)
            offset += len(head)
            carry = b""
        else:
            pending += scanner.feed(buf, 0, first + 1)
            offset += first + 1
        cut = buf.rfind(b"\n", 0, n)
        if cut > first:
            pending += scanner.feed(buf, first + 1, cut + 1)
            offset += cut - first
        carry = bytes(view[cut + 1:n])
        if len(pending) >= BATCH:
            store_runs(pending, report, source="log", days=days)
            pending = []
    view.release()
    if pending:
        store_runs(pending, report, source="log", days=days)
    return offset


# -- the tracking file ----------------------------------------------------------------------------------

def read_tracking(path: Path | None = None, *, restart: bool = False) -> ImportReport:
    """Store new tracking lines (one per backup day) and derive runs for days the log does not cover."""
    path = path or tracking_path()
    report = ImportReport(path=str(path))
    cursor = cursors.get("tracking")
    try:
        handle = open(path, "rb")  # noqa: SIM115 - the with below closes it; only opening may fail here
    except OSError:
        report.missing = True
        return report
    with handle:
        start, reason = cursors.position(cursor, path, handle, restart)
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
        with db.atomic():
            if start:
                days = sorted({d for d, _ in pending})
                for i in range(0, len(days), 300):
                    counts.update(TrackingDay.select(TrackingDay.day, fn.COUNT(TrackingDay.id))
                                  .where(TrackingDay.day.in_(days[i:i + 300])).group_by(TrackingDay.day).tuples())
            values = []
            for day, status in pending:
                position = counts.get(day, 0)
                counts[day] = position + 1
                values.append((TrackingDay.day.db_value(day), position, status))
            param = db.obj.param
            sql = (f'INSERT INTO "{TrackingDay._meta.table_name}" ("day", "position", "status") '  # nosec B608
                   f'VALUES ({param}, {param}, {param}) ON CONFLICT ("day", "position") '
                   'DO UPDATE SET "status" = EXCLUDED."status"')
            dbc = db.obj.cursor()
            for i in range(0, len(values), 500):
                dbc.executemany(sql, values[i:i + 500])
            report.tracking_only_days = reconcile_days(set(counts))
            cursors.advance(cursor, path, handle, offset)
    return report
