"""The dead man's switch: state from the schedule (Healthchecks semantics), missed runs, anomalies,
and alerts sent once when an incident opens and once when it closes.

Everything is computed from stored rows and the clock, so a worker that was down when a run was due
still notices on its next tick (state, not ticks)."""
from __future__ import annotations

import logging
import statistics
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

from peewee import fn

from plexportal.backups import importer, schedule
from plexportal.backups.models import BackupCheck, BackupIncident, BackupRun
from plexportal.db import db
from plexportal.lib import clock, fmt
from plexportal.settings import service as settings

log = logging.getLogger(__name__)
DONE = ("success", "failed", "partial")
RECENT = 30        # successes the anomaly medians look at
DEST_CHECK_EVERY = timedelta(minutes=15)


@dataclass
class State:
    state: str                       # up | late | down | unknown
    reason: str
    running: BackupRun | None = None
    last: BackupRun | None = None
    last_success_at: datetime | None = None
    next_expected_at: datetime | None = None
    down_at: datetime | None = None
    schedule: schedule.Schedule | None = None
    stuck: bool = False


def check_row() -> BackupCheck:
    row = BackupCheck.get_or_none(BackupCheck.id == 1)
    if row is None:
        BackupCheck.insert(id=1).on_conflict_ignore().execute()
        row = BackupCheck.get_by_id(1)
    return row


def _real():
    return (BackupRun.dry_run == False) & (BackupRun.status != "missed")


def _latest(condition) -> BackupRun | None:
    """The newest run matching `condition`. Sorting only ids keeps ten years of log excerpts out
    of the sort (the page's hot path)."""
    newest = (BackupRun.select(BackupRun.id).where(condition)
              .order_by(BackupRun.day.desc(),
                        fn.COALESCE(BackupRun.finished_at, BackupRun.started_at).desc(nulls="LAST"),
                        BackupRun.id.desc())
              .limit(1).scalar())
    return BackupRun.get_by_id(newest) if newest else None


def last_completed() -> BackupRun | None:
    return _latest(_real() & BackupRun.status.in_(DONE))


def last_success() -> BackupRun | None:
    return _latest(_real() & (BackupRun.status == "success"))


def current_running() -> BackupRun | None:
    return _latest(_real() & (BackupRun.status == "running"))


def anchor(run: BackupRun) -> datetime:
    """When a run last signalled. A tracking-only day has no time: the end of that day stands in,
    which never makes the next fire look earlier than it is."""
    if run.finished_at or run.started_at:
        return run.finished_at or run.started_at
    end_of_day = datetime.combine(run.day, time(23, 59, 59)).replace(tzinfo=importer.zone())
    return clock.ensure_utc(end_of_day)


def compute(now: datetime | None = None, read_cron: bool = True) -> State:
    now = now or clock.now()
    sched = schedule.current(read_cron)
    max_runtime = timedelta(minutes=settings.get_int("BACKUP_MAX_RUNTIME"))
    last = last_completed()
    running = current_running()
    success = last_success()
    st = State("unknown", "", running=running, last=last, schedule=sched,
               last_success_at=anchor(success) if success else None)
    st.stuck = bool(running is not None and running.started_at and now - running.started_at > max_runtime)
    _expect_next(st, sched, _last_sign_of_life(last, running), now)
    if last is None and running is None:
        st.state, st.reason = "unknown", "No backup has been seen yet."
        return st
    st.state, st.reason = _judge(st, sched, now)
    return st


def _last_sign_of_life(last: BackupRun | None, running: BackupRun | None) -> datetime | None:
    """When the backup last showed up: the last completed run, or a run started after it."""
    signal = anchor(last) if last is not None else None
    if running is not None and running.started_at and (signal is None or running.started_at > signal):
        signal = running.started_at
    return signal


def _expect_next(st: State, sched: schedule.Schedule, signal: datetime | None, now: datetime) -> None:
    """The next run the schedule promises after the last sign of life (a run in progress covers
    the fire it started for), and when its absence means "down"."""
    if not sched.expr:
        return
    if signal is None:
        st.next_expected_at = schedule.next_run(sched.expr, importer.zone(), now)
        return
    st.next_expected_at = schedule.next_run(sched.expr, importer.zone(), signal)
    if st.next_expected_at:
        st.down_at = st.next_expected_at + timedelta(minutes=settings.get_int("BACKUP_GRACE"))


def _judge(st: State, sched: schedule.Schedule, now: datetime) -> tuple[str, str]:
    """The state and its reason, worst first: stuck, failed, missed, late, unknown schedule, up."""
    last, running = st.last, st.running
    if st.stuck and running is not None:
        return "down", f"A run started {fmt.reltime(running.started_at, now)} and has not finished."
    if last is not None and last.status == "failed" and _failure_stands(last, running):
        code = f" (exit code {last.exit_code})" if last.exit_code is not None else ""
        return "down", f"The last run failed{code}."
    if st.down_at and now >= st.down_at:
        return "down", f"No backup since the run due {fmt.localtime(st.next_expected_at)}."
    if st.next_expected_at and now >= st.next_expected_at:
        return "late", f"The run due {fmt.localtime(st.next_expected_at)} has not been seen yet."
    if not sched.expr:
        return "unknown", ("No schedule: set BACKUP_SCHEDULE (or PLEXPORTAL_CRON_USER on the server) to know "
                           "when a run is missed.")
    return "up", "Running now." if running else "Backups are on schedule."


def _failure_stands(last: BackupRun, running: BackupRun | None) -> bool:
    """A failed run still counts unless a newer run has started since."""
    return running is None or running.started_at is None or running.started_at <= anchor(last)


# -- incidents and alerts --------------------------------------------------------------------------------

def _server() -> str:
    return settings.get("SERVER_NAME") or "your server"


def _open(kind: str) -> BackupIncident | None:
    return BackupIncident.get_or_none((BackupIncident.kind == kind) & BackupIncident.closed_at.is_null())


def _alert(incident: BackupIncident, phase: str, subject: str, text: str) -> None:
    from plexportal.notify import service as notify

    html = f"<p>{fmt_html(text)}</p>"
    notify.queue_admin_alert(subject, text, html, kind="backups.alert",
                             dedup_key=f"backup:{incident.kind}:{incident.id}:{phase}")


def fmt_html(text: str) -> str:
    from markupsafe import escape

    return str(escape(text)).replace("\n", "<br>")


def _condition(kind: str, active: bool, subject: str, text: str, run: BackupRun | None, now: datetime,
               recovery: str) -> None:
    incident = _open(kind)
    # The incident row and its alert commit together (law 13); the send is enqueued after commit.
    if active and incident is None:
        with db.atomic():
            incident = BackupIncident.create(kind=kind, opened_at=now, run=run, subject=subject[:300], detail=text)
            _alert(incident, "open", subject, text)
    elif not active and incident is not None:
        with db.atomic():
            claimed = (BackupIncident.update(closed_at=now)
                       .where((BackupIncident.id == incident.id) & BackupIncident.closed_at.is_null()).execute())
            if claimed == 1:
                _alert(incident, "close", f"Backup recovered on {_server()}: {recovery}", f"{incident.subject}\n\n"
                       f"Resolved {fmt.localtime(now)}: {recovery}")


def median_of(field, before: BackupRun, count: int = RECENT) -> tuple[float | None, int]:
    rows = (BackupRun.select(field).where(_real() & (BackupRun.status == "success") & field.is_null(False)
                                          & (BackupRun.id != before.id)
                                          & (BackupRun.day <= before.day))
            .order_by(BackupRun.day.desc()).limit(count))
    values = [getattr(r, field.name) for r in rows]
    return (statistics.median(values) if values else None), len(values)


def anomalies(run: BackupRun | None) -> dict[str, str]:
    """Size drop and slow run for this (successful) run against the median of the ones before it."""
    out: dict[str, str] = {}
    if run is None or run.status != "success":
        return out
    minimum = settings.get_int("BACKUP_ANOMALY_MIN_HISTORY")
    drop = settings.get_int("BACKUP_SIZE_DROP_PCT")
    factor = float(settings.get("BACKUP_DURATION_FACTOR") or 3)
    if run.total_size_bytes is not None:
        med, n = median_of(BackupRun.total_size_bytes, run)
        if med and n >= minimum and run.total_size_bytes < med * (1 - drop / 100):
            pct = 100 - run.total_size_bytes * 100 / med
            out["size"] = (f"The backup is {pct:.0f}% smaller than usual: {fmt.human_bytes(run.total_size_bytes)} "
                           f"against a median of {fmt.human_bytes(med)} over the last {n} backups.")
    if run.duration_seconds is not None:
        med, n = median_of(BackupRun.duration_seconds, run)
        if med and n >= minimum and run.duration_seconds > med * factor:
            out["duration"] = (f"The run took {fmt.human_duration(run.duration_seconds)}, more than {factor:g}× "
                               f"the median of {fmt.human_duration(med)}.")
    return out


def record_missed(st: State, now: datetime) -> int:
    """A 'missed' row for each fire time that passed its grace with no run (the newest 400 at most)."""
    if not st.schedule or not st.schedule.expr or st.state != "down" or st.next_expected_at is None or st.stuck:
        return 0
    grace = timedelta(minutes=settings.get_int("BACKUP_GRACE"))
    zone = importer.zone()
    fires = [st.next_expected_at] + schedule.fires_between(st.schedule.expr, zone, st.next_expected_at, now - grace)
    made = 0
    for fire in fires:
        if fire + grace > now:
            continue
        key = f"missed:{fire.strftime('%Y%m%dT%H%M%SZ')}"
        made += (BackupRun.insert(key=key, source="schedule", day=fire.astimezone(zone).date(), expected_at=fire,
                                  status="missed", note="No run was seen for this scheduled time.",
                                  updated_at=now)
                 .on_conflict_ignore().execute() and 1 or 0)
    return made


def absorb_missed(st: State, now: datetime) -> int:
    """Drop a 'missed' row once a run for that fire time turned up late (or was imported later)."""
    if not st.schedule or not st.schedule.expr:
        return 0
    zone = importer.zone()
    dropped = 0
    for row in BackupRun.select().where((BackupRun.status == "missed") & (BackupRun.expected_at >= now - timedelta(days=60))):
        following = schedule.next_run(st.schedule.expr, zone, row.expected_at) or row.expected_at + timedelta(days=1)
        late_run = (BackupRun.select().where(_real() & (BackupRun.source != "tracking")
                                             & (fn.COALESCE(BackupRun.started_at, BackupRun.finished_at)
                                                .between(row.expected_at - timedelta(minutes=15), following)))
                    .exists())
        if late_run:
            dropped += BackupRun.delete().where(BackupRun.id == row.id).execute()
    return dropped


def evaluate(now: datetime | None = None) -> State:
    """One tick: compute the state, record missed runs, open/close incidents (alerts via the outbox)."""
    now = now or clock.now()
    st = compute(now)
    record_missed(st, now)
    absorb_missed(st, now)
    server = _server()
    last = st.last
    failed = last is not None and last.status == "failed" and st.state == "down" and not st.stuck
    code = f" (rsync code {last.exit_code})" if last is not None and failed and last.exit_code is not None else ""
    _condition("failed", failed, f"Backup failed on {server}{code}",
               _run_text(last) if failed else "", last, now, "a backup succeeded again")
    missed = st.state == "down" and not failed and not st.stuck and st.next_expected_at is not None
    _condition("missed", missed, f"Backup missed on {server}",
               f"No backup has run since {fmt.localtime(st.last_success_at)}. The run due "
               f"{fmt.localtime(st.next_expected_at)} has not been seen." if missed else "", None, now,
               "a backup ran again")
    stuck = st.running if st.stuck else None          # compute() sets stuck only for a running run
    _condition("stuck", stuck is not None, f"Backup stuck on {server}",
               f"A backup started {fmt.localtime(stuck.started_at)} is still running." if stuck is not None else "",
               st.running, now, "the run finished")
    partial = last is not None and last.status == "partial"
    _condition("partial", partial, f"Backup partly done on {server} (rsync code {last.exit_code if last else '?'})",
               "Some files were not copied (rsync reported a partial transfer). Usually files that changed or "
               "vanished while copying; check the log excerpt.\n\n" + (_run_text(last) if partial else ""),
               last, now, "a backup copied everything")
    found = anomalies(last)
    _condition("size", "size" in found, f"Backup much smaller than usual on {server}", found.get("size", ""),
               last, now, "the backup size is back to normal")
    _condition("duration", "duration" in found, f"Backup slower than usual on {server}",
               found.get("duration", ""), last, now, "the run time is back to normal")
    row = check_row()
    if row.state != st.state:            # write only on a change: this runs every minute
        (BackupCheck.update({BackupCheck.state: st.state, BackupCheck.state_since: now, BackupCheck.evaluated_at: now})
         .where(BackupCheck.id == 1).execute())
    return st


# -- the destination (BACKUP_DEST_PATH) ------------------------------------------------------------------

def check_destination(now: datetime | None = None, *, busy: bool = False) -> bool | None:
    """Verify BACKUP_DEST_PATH every DEST_CHECK_EVERY (claimed with a conditional UPDATE, so one
    worker does it) and keep the 'destination' incident: one alert when it starts looking wrong, one
    when it looks right again. Skipped while a backup is running (`busy`: its files are being
    replaced). Returns whether it looks right, or None when it was not checked."""
    from plexportal.backups import health

    now = now or clock.now()
    row = check_row()
    dest = settings.get("BACKUP_DEST_PATH")
    if not dest:
        # Nothing to watch: forget the last result and end an open problem without a message
        # (the admin cleared the setting; "recovered" would not be true).
        if row.dest_ok is not None or row.dest_message:
            BackupCheck.update(dest_ok=None, dest_message="").where(BackupCheck.id == 1).execute()
        if _open("destination") is not None:
            (BackupIncident.update(closed_at=now)
             .where((BackupIncident.kind == "destination") & BackupIncident.closed_at.is_null()).execute())
        return None
    if busy:
        return None
    claimed = (BackupCheck.update(dest_checked_at=now)
               .where((BackupCheck.id == 1) & (BackupCheck.dest_checked_at.is_null()
                                               | (BackupCheck.dest_checked_at
                                                  <= now - DEST_CHECK_EVERY + timedelta(seconds=5))))
               .execute())
    if claimed != 1:
        return None
    problems = [c for c in health.verify_destination(Path(dest), now) if c.level in ("bad", "warn")]
    ok = not problems
    found = "\n".join(f"{c.name}: {c.message}" for c in problems)
    message = found or "Preferences.xml and both Plex databases are there, and the databases are fresh."
    (BackupCheck.update(dest_checked_at=now, dest_ok=ok, dest_message=message)
     .where(BackupCheck.id == 1).execute())
    server = _server()
    _condition("destination", not ok, f"Backup destination looks wrong on {server}",
               f"The backup destination {dest} does not hold a usable Plex backup:\n\n{found}\n\n"
               "A restore needs Preferences.xml and both Plex databases, not empty, and the databases "
               "copied within the last two days. Check that the backup disk is mounted and that the "
               "backup copies these files." if not ok else "", None, now,
               "the backup destination looks right again")
    return ok


def _run_text(run: BackupRun | None) -> str:
    if run is None:
        return ""
    lines = [f"Run: {fmt.localtime(run.started_at or run.finished_at) if (run.started_at or run.finished_at) else run.day}",
             f"Status: {run.status}" + (f" (exit code {run.exit_code})" if run.exit_code is not None else "")]
    if run.excerpt:
        lines += ["", "Last lines of the log:", "\n".join(run.excerpt.splitlines()[-15:])]
    return "\n".join(lines)
