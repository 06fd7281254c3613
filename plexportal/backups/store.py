"""Parsed runs into BackupRun rows: upserted by a natural key (importing the same file twice gives
the same rows), and the tracking file's days reconciled with the runs the log has."""
from __future__ import annotations

import functools
from datetime import UTC, date, datetime
from typing import Protocol, cast

from peewee import fn

from plexportal.backups import parsing
from plexportal.backups.models import BackupRun, TrackingDay
from plexportal.db import db, is_sqlite
from plexportal.lib import clock


class Tally(Protocol):
    """What store_runs counts into (importer.ImportReport)."""
    runs: int
    by_status: dict
    dry_runs: int


def zone():
    from plexportal.settings import service as settings

    return clock.zone(settings.get("BACKUP_TIMEZONE") or settings.get("TIMEZONE"))


def local_day(at: datetime) -> date:
    return at.astimezone(zone()).date()


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


def _utc_text(at: datetime | None) -> str | None:
    """The same as SQLite holds it: sqlite3 stores a naive datetime as isoformat(" "); handing it
    the text saves the adapter's call for every date of every row."""
    if at is None:
        return None
    if at.tzinfo is not UTC:
        at = at.astimezone(UTC)
    return at.isoformat(" ")[:-6]            # less its "+00:00"


def store_runs(runs: list[parsing.ParsedRun], report: Tally | None, *, source: str, job=None,
               days: set | None = None) -> list[str]:
    """Upsert parsed runs by key (idempotent); returns the keys stored. With `days`, the days
    touched are added to it for the caller to reconcile once, instead of after every batch."""
    keys = []
    rows: dict[str, tuple] = {}                 # one row per key per statement (PostgreSQL)
    touched = set()
    sqlite = is_sqlite()
    stored = _utc_text if sqlite else _utc_naive
    now = stored(clock.now())
    job_id = BackupRun.job.db_value(job)
    backup_zone = zone()
    by_status: dict[str, int] = {}
    dry_runs = 0
    for run in runs:
        started, finished = run.started_at, run.finished_at
        at = started or finished
        if at is None:
            continue            # neither date could be read: counted in the scanner's stats
        started_value, finished_value = stored(started), stored(finished)
        if sqlite and at.year >= 1000:
            # the key's stamp from the text already made (what run_key's strftime gives)
            t = cast(str, started_value if started is not None else finished_value)
            stamp = f"{t[0:4]}{t[5:7]}{t[8:10]}T{t[11:13]}{t[14:16]}{t[17:19]}Z"
            key = f"{source}:{stamp}" if started is not None else f"{source}:end:{stamp}"
        else:
            key = run_key(run, source)
        day = at.astimezone(backup_zone).date()
        touched.add(day)
        rows[key] = (key, source, day.isoformat() if sqlite else day, started_value, finished_value,
                     run.duration_seconds, run.status, run.exit_code, run.sent_bytes, run.received_bytes,
                     run.total_size_bytes, run.files_transferred, bool(run.dry_run), run.excerpt[:20000],
                     run.note[:300], job_id, now)
        keys.append(key)
        if run.status != "running":
            by_status[run.status] = by_status.get(run.status, 0) + 1
            dry_runs += run.dry_run
    if report is not None:
        for status, n in by_status.items():
            report.runs += n
            report.by_status[status] = report.by_status.get(status, 0) + n
        report.dry_runs += dry_runs
    if not rows:
        return keys
    with db.atomic():
        db.obj.cursor().executemany(_upsert_sql(db.obj.param, sqlite), list(rows.values()))
        if days is None:
            reconcile_days(touched)
        else:
            days |= touched
    return keys


@functools.cache
def _upsert_sql(param: str, sqlite: bool) -> str:
    """INSERT … ON CONFLICT (key) DO UPDATE, run with executemany: the same SQL on SQLite and
    PostgreSQL, built once per process (the import's hot path). The rows hold the columns of
    _COLUMNS, already as the database stores them."""
    fields = [BackupRun._meta.fields[n] for n in _COLUMNS]
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    table = BackupRun._meta.table_name
    updates = ", ".join(f'"{f.column_name}" = EXCLUDED."{f.column_name}"' for f in fields
                        if f.name not in ("key", "job"))
    # A re-read run that has not changed is left as it is (no row rewritten, updated_at kept).
    differs = "IS NOT" if sqlite else "IS DISTINCT FROM"
    changed = " OR ".join(f'"{table}"."{f.column_name}" {differs} EXCLUDED."{f.column_name}"' for f in fields
                          if f.name not in ("key", "job", "updated_at"))
    # Table and column names come from the model; every value is a bound parameter.
    return (f'INSERT INTO "{table}" ({columns}) '  # nosec B608 # see above
            f'VALUES ({", ".join([param] * len(fields))}) ON CONFLICT ("key") DO UPDATE SET {updates} '
            f'WHERE {changed}')


# -- the tracking file's days ------------------------------------------------------------------------

def reconcile_days(days) -> int:
    """For each day, keep exactly one tracking-only run per tracking line the other runs don't cover.

    Order-independent, so importing the log and the tracking file in either order, any number of
    times, gives the same rows. Returns how many tracking-only runs exist for these days. Four
    queries (at most) over the span of the days (however many there are), plus a write per row that changes."""
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
    missed = [(rid, day) for rid, day in BackupRun.select(BackupRun.id, BackupRun.day)
              .where(_in_days(BackupRun.day, days) & (BackupRun.status == "missed")).tuples() if day in wanted_days]
    # How many runs of its own each day has: only needed against tracking lines or missed-run markers
    # (not for a first import of the log alone).
    covered = {day: n for day, n in BackupRun.select(BackupRun.day, fn.COUNT(BackupRun.id))
               .where(_in_days(BackupRun.day, days) & (BackupRun.source != "tracking")
                      & (BackupRun.status != "missed") & (BackupRun.dry_run == False))
               .group_by(BackupRun.day).tuples() if day in wanted_days} if lines or missed else {}
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
    # a missed-run marker for a day is wrong once a run for it turns up
    wrong = [rid for rid, day in missed if day in ran]
    for i in range(0, len(wrong), 300):
        BackupRun.delete().where(BackupRun.id.in_(wrong[i:i + 300])).execute()
    return len(wanted)
