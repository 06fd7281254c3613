"""Backups: the area's actions (import, poll, pings, history queries), callable from views, tasks,
the CLI and tests. The monitor (state, alerts) lives in monitor.py, manual runs in runner.py."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from peewee import Case, fn

from plexportal.backups import importer, monitor, parsing
from plexportal.backups.models import BackupCheck, BackupRun

# The cron helpers, shared with plexportal's own scheduled backups (ops area).
from plexportal.backups.schedule import explain as explain_cron  # noqa: F401
from plexportal.backups.schedule import next_run as next_cron_fire  # noqa: F401
from plexportal.backups.schedule import previous_run as previous_cron_fire  # noqa: F401
from plexportal.backups.schedule import problem as cron_problem  # noqa: F401
from plexportal.db import db
from plexportal.lib import clock
from plexportal.security import constant_time_equals
from plexportal.settings import service as settings

PING_BODY_LIMIT = 100_000
PING_MAX_DURATION = timedelta(hours=72)     # a start and a finish further apart are unrelated
PAGE_SIZE = 25


# -- files -----------------------------------------------------------------------------------------------

def import_backup_logs(log=None, tracking=None, progress=None) -> list[importer.ImportReport]:
    """Read both files from the start (idempotent) and leave the poller's cursor at their end."""
    reports = [importer.read_log(log, restart=True, progress=progress),
               importer.read_tracking(tracking, restart=True)]
    monitor.evaluate()
    return reports


def poll_backup_logs(force: bool = False) -> list[importer.ImportReport] | None:
    """Read what was added since last time, if LOG_POLL_INTERVAL has passed (or `force`)."""
    now = clock.now()
    row = monitor.check_row()
    interval = timedelta(seconds=settings.get_int("LOG_POLL_INTERVAL"))
    if not force:
        claimed = (BackupCheck.update(polled_at=now)
                   .where((BackupCheck.id == 1) & (BackupCheck.polled_at.is_null()
                                                   | (BackupCheck.polled_at <= now - interval + timedelta(seconds=5))))
                   .execute())
        if claimed != 1:
            return None
    else:
        BackupCheck.update(polled_at=now).where(BackupCheck.id == row.id).execute()
    return [importer.read_log(), importer.read_tracking()]


def track_alert(kind: str, active: bool, subject: str, text: str, recovery: str) -> None:
    """Open (`active`) or close an incident of `kind` the way the monitor does for the Plex backup:
    one admin alert when it opens, one when it closes. Used for plexportal's own backups."""
    monitor._condition(kind, active, subject, text, None, clock.now(), recovery)


# -- pings -------------------------------------------------------------------------------------------------

def ping_token() -> str:
    return settings.get("BACKUP_PING_TOKEN")


def generate_ping_token() -> str:
    token = secrets.token_urlsafe(24)
    settings.set_value("BACKUP_PING_TOKEN", token)
    return token


def is_ping_token(given: str) -> bool:
    return constant_time_equals(given, ping_token())


def record_ping(kind: str, body: bytes) -> BackupRun:
    """start → a running run; success/fail → finish the open ping run (or record a finish alone).
    The body is kept as the log excerpt and read for rsync's summary."""
    now = clock.now()
    body = body[:PING_BODY_LIMIT]
    binary = settings.get_bool("BACKUP_RSYNC_BINARY_UNITS")
    summary = parsing.parse_rsync(body, binary)
    text = body.decode("utf-8", "replace")[-20000:]
    zone = importer.zone()
    if kind == "start":
        # a run that never sent its finish is over once the next one starts
        (BackupRun.update(status="failed", note="No finish ping was received (the next run started).",
                          updated_at=now)
         .where((BackupRun.source == "ping") & (BackupRun.status == "running")).execute())
        return _upsert(f"ping:{now.strftime('%Y%m%dT%H%M%S.%fZ')}", source="ping", day=now.astimezone(zone).date(),
                       started_at=now, status="running", excerpt=text)
    open_run = (BackupRun.select().where((BackupRun.source == "ping") & (BackupRun.status == "running")
                                         & (BackupRun.started_at >= now - PING_MAX_DURATION))
                .order_by(BackupRun.started_at.desc()).first())
    if kind == "success":
        status, code = "success", 0
    else:
        code = summary.exit_code
        status = "partial" if code in (23, 24) else "failed"
    fields = dict(finished_at=now, status=status, exit_code=code, sent_bytes=summary.sent_bytes,
                  received_bytes=summary.received_bytes, total_size_bytes=summary.total_size_bytes,
                  files_transferred=summary.files_transferred, dry_run=summary.dry_run)
    if text:
        fields["excerpt"] = text
    if open_run is not None:
        fields["duration_seconds"] = int((now - open_run.started_at).total_seconds())
        return _upsert(open_run.key, source="ping", day=open_run.day, started_at=open_run.started_at, **fields)
    return _upsert(f"ping:end:{now.strftime('%Y%m%dT%H%M%S.%fZ')}", source="ping", day=now.astimezone(zone).date(),
                   note="No start ping was received for this run.", **fields)


def _upsert(key: str, **fields) -> BackupRun:
    fields["updated_at"] = clock.now()
    with db.atomic():
        (BackupRun.insert(key=key, **fields)
         .on_conflict(conflict_target=[BackupRun.key], update={getattr(BackupRun, k): v for k, v in fields.items()})
         .execute())
        importer.reconcile_days({fields["day"]})
    return BackupRun.get(BackupRun.key == key)


# -- history and figures --------------------------------------------------------------------------------------

@dataclass
class HistoryFilter:
    status: str = ""
    since: date | None = None
    until: date | None = None
    search: str = ""
    page: int = 1


def history(f: HistoryFilter) -> tuple[list[BackupRun], bool, int]:
    q = BackupRun.select(BackupRun.id, BackupRun.key, BackupRun.source, BackupRun.day, BackupRun.started_at,
                         BackupRun.finished_at, BackupRun.expected_at, BackupRun.duration_seconds, BackupRun.status,
                         BackupRun.exit_code, BackupRun.sent_bytes, BackupRun.total_size_bytes,
                         BackupRun.files_transferred, BackupRun.dry_run, BackupRun.note)
    if f.status == "dry_run":
        q = q.where(BackupRun.dry_run == True)
    elif f.status:
        q = q.where(BackupRun.status == f.status)
    if f.since:
        q = q.where(BackupRun.day >= f.since)
    if f.until:
        q = q.where(BackupRun.day <= f.until)
    if f.search:
        term = f"%{f.search}%"
        q = q.where(BackupRun.excerpt.contains(f.search) | BackupRun.note ** term | BackupRun.source ** term)
    total = q.count()
    rows = list(q.order_by(BackupRun.day.desc(), fn.COALESCE(BackupRun.started_at, BackupRun.finished_at,
                                                                 BackupRun.expected_at).desc(nulls="LAST"),
                           BackupRun.id.desc())
                .paginate(f.page, PAGE_SIZE))
    return rows, f.page * PAGE_SIZE < total, total


def totals(since: date | None = None) -> dict:
    """Counts by status (dry runs apart) in one query."""
    q = BackupRun.select(BackupRun.status, fn.COUNT(BackupRun.id).alias("n")).where(BackupRun.dry_run == False)
    if since:
        q = q.where(BackupRun.day >= since)
    counts = {r.status: r.n for r in q.group_by(BackupRun.status)}
    done = sum(counts.get(s, 0) for s in ("success", "failed", "partial", "missed"))
    # A partial run (rsync code 23/24: some files not copied) is not a success: it is counted
    # apart, as the heatmap colours it apart.
    ok = counts.get("success", 0)
    return {"counts": counts, "done": done, "ok": ok, "partial": counts.get("partial", 0),
            "failed": counts.get("failed", 0), "missed": counts.get("missed", 0),
            "rate": (ok * 100 / done) if done else None}


def series(days: int = 365) -> list[dict]:
    """Size and duration of successful runs over the last `days` days (for the charts)."""
    since = clock.now().astimezone(importer.zone()).date() - timedelta(days=days)
    rows = (BackupRun.select(BackupRun.day, BackupRun.started_at, BackupRun.total_size_bytes, BackupRun.duration_seconds)
            .where((BackupRun.day >= since) & (BackupRun.dry_run == False)
                   & BackupRun.status.in_(("success", "partial"))
                   & (BackupRun.total_size_bytes.is_null(False) | BackupRun.duration_seconds.is_null(False)))
            .order_by(BackupRun.day, BackupRun.started_at).tuples())
    return [{"day": d.isoformat(), "size": s, "duration": dur} for d, _, s, dur in rows]


def heatmap(days: int = 365) -> list[dict]:
    """One cell per day of the last year: the worst status that day (SQL does the grouping)."""
    today = clock.now().astimezone(importer.zone()).date()
    since = today - timedelta(days=days - 1)
    rank = fn.MAX(Case(None, [(BackupRun.status == "failed", 4), (BackupRun.status == "missed", 3),
                                 (BackupRun.status == "partial", 2), (BackupRun.status == "success", 1)], 0))
    rows = (BackupRun.select(BackupRun.day, rank.alias("worst"), fn.COUNT(BackupRun.id).alias("n"))
            .where((BackupRun.day >= since) & (BackupRun.dry_run == False))
            .group_by(BackupRun.day).tuples())
    names = {0: "", 1: "success", 2: "partial", 3: "missed", 4: "failed"}
    by_day = {d if isinstance(d, date) else date.fromisoformat(str(d)): (names[w or 0], n) for d, w, n in rows}
    lead = since.weekday()           # Monday-first columns
    cells = [{"day": None}] * lead
    for i in range(days):
        d = since + timedelta(days=i)
        status, n = by_day.get(d, ("", 0))
        cells.append({"day": d, "status": status or "none", "count": n})
    return cells


MONTHS_SHOWN = 24


def monthly(before: date | None = None, limit: int | None = None) -> list[dict]:
    """The text equivalent of the charts: one row per month, newest first, aggregated in SQL.

    With `before` (the first day of a month), only the months before it; with `limit`, that many
    months, read from the index over their days alone (the page shows two years, older ones on
    request, so ten or twenty years of history cost the page nothing)."""
    month = fn.SUBSTR(BackupRun.day.cast("TEXT"), 1, 7)
    ok = fn.SUM(Case(None, [(BackupRun.status == "success", 1)], 0))
    partial = fn.SUM(Case(None, [(BackupRun.status == "partial", 1)], 0))
    q = (BackupRun.select(month.alias("m"), fn.COUNT(BackupRun.id), ok, partial,
                          fn.AVG(BackupRun.total_size_bytes), fn.MAX(BackupRun.total_size_bytes),
                          fn.AVG(BackupRun.duration_seconds))
         .where((BackupRun.dry_run == False) & (BackupRun.status != "running")))
    if before is not None:
        q = q.where(BackupRun.day < before)
    if limit is not None:
        # the newest day with a run before `before`, then `limit` calendar months back from it
        newest = (BackupRun.select(fn.MAX(BackupRun.day))
                  .where((BackupRun.dry_run == False) & (BackupRun.status != "running")
                         & (BackupRun.day < before if before is not None else True)).scalar())
        if newest is None:
            return []
        newest = newest if isinstance(newest, date) else date.fromisoformat(str(newest))
        index = newest.year * 12 + newest.month - 1 - (limit - 1)
        q = q.where(BackupRun.day >= date(index // 12, index % 12 + 1, 1))
    rows = q.group_by(month).order_by(month.desc()).tuples()
    return [{"month": m, "runs": n, "ok": int(k or 0), "partial": int(p or 0), "avg_size": s, "max_size": mx,
             "avg_duration": dur} for m, n, k, p, s, mx, dur in rows]


def has_months_before(month: str) -> bool:
    """Is there a run (not a dry run) before the first day of `month` ('2024-05')?"""
    first = date.fromisoformat(f"{month}-01")
    return (BackupRun.select(BackupRun.id).where((BackupRun.dry_run == False) & (BackupRun.status != "running")
                                                 & (BackupRun.day < first)).exists())


def get_run_or_404(run_id: int) -> BackupRun:
    from flask import abort

    run = BackupRun.get_or_none(BackupRun.id == run_id)
    if run is None:
        abort(404)
    return run


def runs_query(status: str = ""):
    """Every run, newest first (optionally only one status)."""
    q = BackupRun.select()
    if status:
        q = q.where(BackupRun.status == status)
    return q.order_by(BackupRun.day.desc(), fn.COALESCE(BackupRun.started_at, BackupRun.finished_at,
                                                        BackupRun.expected_at).desc(nulls="LAST"),
                      BackupRun.id.desc())


def latest_runs(limit: int) -> list[BackupRun]:
    return list(runs_query().limit(limit))


def run_at(run: BackupRun) -> datetime | None:
    return run.started_at or run.finished_at or run.expected_at
