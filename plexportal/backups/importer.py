"""Reading the backup script's files into BackupRun rows: the full import and the poller.

Both read from a stored cursor (offset + device/inode + a fingerprint of the first bytes), so a
file that was rotated, replaced or truncated is noticed and read from its start. Rows are upserted
by a natural key, so importing the same file twice gives the same rows.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import mmap
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from peewee import fn

from plexportal.backups import parsing
from plexportal.backups.models import BackupRun, LogCursor, TrackingDay
from plexportal.db import db, is_sqlite
from plexportal.lib import clock

CHUNK = 2 * 1024 * 1024
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


def zone():
    from plexportal.settings import service as settings

    return clock.zone(settings.get("BACKUP_TIMEZONE") or settings.get("TIMEZONE"))


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


def local_day(at: datetime) -> date:
    return at.astimezone(zone()).date()


# -- cursor ------------------------------------------------------------------------------------------

def _fingerprint(handle, size: int = FINGERPRINT_BYTES) -> str:
    handle.seek(0)
    return hashlib.sha256(handle.read(size)).hexdigest()


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


def _rotated_sibling(cursor: LogCursor):
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
    for candidate in siblings[:20]:
        try:
            st = candidate.stat()
            if candidate.suffix == ".gz":
                handle = gzip.open(candidate, "rb")  # noqa: SIM115 - handed on to the caller, which closes it
                if not cursor.fingerprint or _fingerprint(handle, min(cursor.offset, FINGERPRINT_BYTES)) \
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
    cursor = _cursor("log")
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
            leftover = _rotated_sibling(cursor)
            if leftover is not None:
                # finish the rotated file first; an open section carries on into the new one
                scanner.load(cursor.state)
                with leftover as old:
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
            # The first bytes read (up to FINGERPRINT_BYTES): notice a rewrite, and find the file
            # again once logrotate has compressed it.
            cursor.fingerprint = _fingerprint(handle, min(offset, FINGERPRINT_BYTES)) if offset else ""
            cursor.state = scanner.dump()
            cursor.read_at = clock.now()
            cursor.save()
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
BATCH = 1000                    # runs per upsert batch


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


def run_key(run: parsing.ParsedRun, source: str) -> str:
    if run.started_at:
        return f"{source}:{run.started_at.strftime('%Y%m%dT%H%M%SZ')}"
    return f"{source}:end:{run.finished_at.strftime('%Y%m%dT%H%M%SZ')}" if run.finished_at else ""


_COLUMNS = ("key", "source", "day", "started_at", "finished_at", "duration_seconds", "status", "exit_code",
            "sent_bytes", "received_bytes", "total_size_bytes", "files_transferred", "dry_run", "excerpt", "note",
            "job", "updated_at")


def _utc_naive(at: datetime | None) -> datetime | None:
    """What UTCDateTimeField stores: naive UTC (the parser's times are aware)."""
    return at.astimezone(UTC).replace(tzinfo=None) if at is not None else None


def store_runs(runs: list[parsing.ParsedRun], report: ImportReport | None, *, source: str, job=None,
               days: set | None = None) -> list[str]:
    """Upsert parsed runs by key (idempotent); returns the keys stored. With `days`, the days
    touched are added to it for the caller to reconcile once, instead of after every batch."""
    keys = []
    rows: dict[str, tuple] = {}                 # one row per key per statement (PostgreSQL)
    touched = set()
    now = _utc_naive(clock.now())
    job_id = BackupRun.job.db_value(job)
    backup_zone = zone()
    for run in runs:
        key = run_key(run, source)
        if not key:
            continue            # neither date could be read: counted in the scanner's stats
        day = (run.started_at or run.finished_at).astimezone(backup_zone).date()
        touched.add(day)
        rows[key] = (key, source, day, _utc_naive(run.started_at), _utc_naive(run.finished_at),
                     run.duration_seconds, run.status, run.exit_code, run.sent_bytes, run.received_bytes,
                     run.total_size_bytes, run.files_transferred, bool(run.dry_run), run.excerpt[:20000],
                     run.note[:300], job_id, now)
        keys.append(key)
        if report is not None and run.status != "running":
            report.runs += 1
            report.by_status[run.status] = report.by_status.get(run.status, 0) + 1
            report.dry_runs += int(run.dry_run)
    if not rows:
        return keys
    with db.atomic():
        _upsert_many(list(rows.values()))
        if days is None:
            reconcile_days(touched)
        else:
            days |= touched
    return keys


def _upsert_many(rows: list[tuple]) -> None:
    """INSERT … ON CONFLICT (key) DO UPDATE with executemany: the same SQL on SQLite and
    PostgreSQL, built once instead of once per row (the import's hot path). `rows` hold the
    columns of _COLUMNS, already as the database stores them."""
    fields = [BackupRun._meta.fields[n] for n in _COLUMNS]
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    param = db.obj.param
    table = BackupRun._meta.table_name
    updates = ", ".join(f'"{f.column_name}" = EXCLUDED."{f.column_name}"' for f in fields
                        if f.name not in ("key", "job"))
    # A re-read run that has not changed is left as it is (no row rewritten, updated_at kept).
    differs = "IS NOT" if is_sqlite() else "IS DISTINCT FROM"
    changed = " OR ".join(f'"{table}"."{f.column_name}" {differs} EXCLUDED."{f.column_name}"' for f in fields
                          if f.name not in ("key", "job", "updated_at"))
    # Table and column names come from the model; every value is a bound parameter.
    sql = (f'INSERT INTO "{table}" ({columns}) '  # nosec B608 # see above
           f'VALUES ({", ".join([param] * len(fields))}) ON CONFLICT ("key") DO UPDATE SET {updates} '
           f'WHERE {changed}')
    db.obj.cursor().executemany(sql, rows)


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
        handle = open(path, "rb")  # noqa: SIM115 - the with below closes it; only opening may fail here
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
            cursor.path, cursor.device, cursor.inode = str(path), st.st_dev, st.st_ino
            cursor.offset = offset
            # The first bytes read (up to FINGERPRINT_BYTES): notice a rewrite, and find the file
            # again once logrotate has compressed it.
            cursor.fingerprint = _fingerprint(handle, min(offset, FINGERPRINT_BYTES)) if offset else ""
            cursor.read_at = clock.now()
            cursor.save()
    return report


def reconcile_days(days) -> int:
    """For each day, keep exactly one tracking-only run per tracking line the other runs don't cover.

    Order-independent, so importing the log and the tracking file in either order, any number of
    times, gives the same rows. Returns how many tracking-only runs exist for these days. Three
    queries over the span of the days (however many there are), plus a write per row that changes."""
    days = sorted(set(days))
    if not days:
        return 0
    return _reconcile(days)


def _in_days(field, days: list):
    """`field` among `days` (sorted): a short IN list for a few, the span for many (a whole import's
    ten years is one range on the index, not thousands of parameters). Rows of days inside the span
    but not in `days` are filtered out by the caller."""
    return field.in_(days) if len(days) <= 50 else field.between(days[0], days[-1])


def _reconcile(days: list) -> int:
    wanted_days = set(days)
    lines: dict = {}
    for day, position, status in (TrackingDay.select(TrackingDay.day, TrackingDay.position, TrackingDay.status)
                                  .where(_in_days(TrackingDay.day, days))
                                  .order_by(TrackingDay.day, TrackingDay.position).tuples()):
        if day in wanted_days:
            lines.setdefault(day, []).append((position, status))
    covered = {day: n for day, n in BackupRun.select(BackupRun.day, fn.COUNT(BackupRun.id))
               .where(_in_days(BackupRun.day, days) & (BackupRun.source != "tracking")
                      & (BackupRun.status != "missed") & (BackupRun.dry_run == False))
               .group_by(BackupRun.day).tuples() if day in wanted_days}
    existing = {key: status for key, status, day in BackupRun.select(BackupRun.key, BackupRun.status, BackupRun.day)
                .where(_in_days(BackupRun.day, days) & (BackupRun.source == "tracking")).tuples()
                if day in wanted_days}
    wanted: dict[str, tuple] = {}
    for day, rows in lines.items():
        for position, status in rows[covered.get(day, 0):]:
            wanted[f"tracking:{day.isoformat()}#{position}"] = (day, status)
    now = clock.now()
    for key, (day, status) in wanted.items():
        if existing.get(key) != status:
            (BackupRun.insert(key=key, source="tracking", day=day, status=status, updated_at=now)
             .on_conflict(conflict_target=[BackupRun.key], update={BackupRun.status: status}).execute())
    stale = [k for k in existing if k not in wanted]
    for i in range(0, len(stale), 300):
        BackupRun.delete().where(BackupRun.key.in_(stale[i:i + 300])).execute()
    ran = {d for d in days if covered.get(d)} | {v[0] for v in wanted.values()}
    if ran:
        # a missed-run marker for a day is wrong once a run for it turns up
        missed = [rid for rid, day in BackupRun.select(BackupRun.id, BackupRun.day)
                  .where(_in_days(BackupRun.day, days) & (BackupRun.status == "missed")).tuples() if day in ran]
        for i in range(0, len(missed), 300):
            BackupRun.delete().where(BackupRun.id.in_(missed[i:i + 300])).execute()
    return len(wanted)
