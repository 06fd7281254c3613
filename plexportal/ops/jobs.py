"""What the worker's tasks did: JobState rows written from Huey's signals (when a task starts,
ends and fails), the periodic tasks' schedules and next runs for the Jobs page, and Run now.

A failed task is also logged with a subject (the webhook, message or invite it was about), so
the Logs page can link to it."""
from __future__ import annotations

import itertools
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from plexportal import areas
from plexportal.db import db_session
from plexportal.lib import clock, fmt
from plexportal.ops.models import JobState
from plexportal.ops.redact import redact

if TYPE_CHECKING:
    from plexportal.queue import TaskHandle

log = logging.getLogger("plexportal.jobs")

# Every periodic task here works from stored state (DESIGN law 4: it claims what is due), so a run
# by hand does nothing a scheduled run would not. A task missing from this list has no Run now.
LABELS = {
    "plexportal.backups.tasks.watch_backups_task": "Watch the Plex backup (logs, schedule, destination)",
    "plexportal.invites.tasks.retry_provisioning_task": "Retry invite provisioning",
    "plexportal.invites.tasks.sync_users_task": "Sync users from plex.tv",
    "plexportal.invites.tasks.expire_access_task": "Expire access and send reminders",
    "plexportal.invites.tasks.check_plex_token_task": "Check the Plex owner token",
    "plexportal.invites.tasks.learn_plex_server_hourly_task": "Read the Plex server's name and libraries",
    "plexportal.media.tasks.sync_seerr_people_hourly_task": "Read Seerr's people",
    "plexportal.health.tasks.advance_maintenance_task": "Start and end maintenance windows",
    "plexportal.health.tasks.run_due_monitors_task": "Run due health monitors",
    "plexportal.media.tasks.process_stale_webhooks_task": "Process webhooks left waiting",
    "plexportal.media.tasks.refresh_calendar_task": "Refresh the upcoming calendar",
    "plexportal.notify.tasks.send_due_notifications_task": "Send due messages",
    "plexportal.ops.tasks.watch_self_backup_task": "Back up plexportal when due",
    "plexportal.settings.tasks.check_services_task": "Test the connections",
}
SAFE = set(LABELS)

# Which argument of a task names the thing it was about, for links from the Logs page.
SUBJECTS = {
    "process_webhook_task": "webhook",
    "send_notifications_task": "message",
    "provision_redemption_task": "redemption",
    "send_batch_task": "batch",
    "run_backup_job_task": "backupjob",
    "sync_seerr_task": "sync",
    "create_self_backup_task": "selfbackup",
}


def name_of(task) -> str:
    """The task's dotted name (module.function), as TaskHandle.name and Huey's registry spell it."""
    kind = type(task)
    return f"{kind.__module__}.{kind.__name__}"


def subject_of(task) -> tuple[str, int] | None:
    short = name_of(task).rsplit(".", 1)[-1]
    kind = SUBJECTS.get(short)
    if not kind or not task.args:
        return None
    first = task.args[0]
    if isinstance(first, (list, tuple)) and first:
        first = first[0]
    return (kind, first) if isinstance(first, int) else None


# -- recording (the worker) --------------------------------------------------------------------------

_started: dict[str, tuple[float, datetime]] = {}
# "Running" is written at a task's start only if that task's last start was written longer ago than
# this (per process): a burst runs a task hundreds of times a second, and a second write per run
# cost more than the runs themselves. Its end is always written, with its start time.
START_EVERY = 1.0
_start_written: dict[str, float] = {}


def _upsert(name: str, **values) -> None:
    with db_session():
        updates = {getattr(JobState, k): v for k, v in values.items() if k not in ("runs", "failures")}
        if values.get("runs"):
            updates[JobState.runs] = JobState.runs + 1
        if values.get("failures"):
            updates[JobState.failures] = JobState.failures + 1
        (JobState.insert(name=name[:150], **values)
         .on_conflict(conflict_target=[JobState.name], update=updates).execute())


def on_executing(signal, task, *args, **kwargs) -> None:
    now, name = time.monotonic(), name_of(task)
    _started[task.id] = (now, clock.now())
    if now - _start_written.get(name, -START_EVERY) < START_EVERY:
        return
    _start_written[name] = now
    try:
        _upsert(name, last_started_at=_started[task.id][1], last_outcome="running", run_requested_at=None)
    except Exception:  # bookkeeping never stops a task
        log.warning("could not record the start of %s", name, exc_info=True)


def _finished(task, outcome: str, error: str = "") -> None:
    started = _started.pop(task.id, None)
    ms = int((time.monotonic() - started[0]) * 1000) if started is not None else None
    values = dict(last_finished_at=clock.now(), last_duration_ms=ms, last_outcome=outcome, runs=1)
    if started is not None:
        values.update(last_started_at=started[1])
    if outcome == "error":
        values.update(last_error=error[:500], failures=1)
    else:
        values.update(last_error="")
    try:
        _upsert(name_of(task), **values)
    except Exception:
        log.warning("could not record the end of %s", name_of(task), exc_info=True)


def on_complete(signal, task, *args, **kwargs) -> None:
    _finished(task, "ok")


def on_error(signal, task, exc=None, *args, **kwargs) -> None:
    from plexportal.ops.redact import known_secrets

    try:
        known = known_secrets()
    except Exception:  # noqa: BLE001 - the patterns still apply
        known = []
    text = redact(f"{type(exc).__name__}: {exc}" if exc is not None else "failed", known)
    _finished(task, "error", text)
    subject = subject_of(task)
    about = f" ({subject[0]} {subject[1]})" if subject else ""
    log.error("Task %s failed%s: %s", name_of(task).rsplit(".", 1)[-1], about, text,
              exc_info=(type(exc), exc, exc.__traceback__) if isinstance(exc, BaseException) else None,
              extra={"subject": subject} if subject else {})


def install(huey) -> None:
    """Record every task's runs in JobState (called by the worker on its Huey instance)."""
    from huey import signals as S

    huey.signal(S.SIGNAL_EXECUTING)(on_executing)
    huey.signal(S.SIGNAL_COMPLETE)(on_complete)
    huey.signal(S.SIGNAL_ERROR)(on_error)


# -- the Jobs page --------------------------------------------------------------------------------------

@dataclass
class Job:
    name: str
    label: str
    schedule: str
    next_run: datetime | None
    state: JobState | None
    safe: bool

    @property
    def short(self) -> str:
        return self.name.rsplit(".", 1)[-1]


def periodic_handles() -> dict[str, TaskHandle]:
    from plexportal.queue import TaskHandle

    found: dict[str, TaskHandle] = {}
    for module in (module for area in areas.all_areas() for module in area.tasks):
        for value in vars(module).values():
            if isinstance(value, TaskHandle) and value.periodic is not None:
                found[value.name] = value
    return found


def fires(validate, after: datetime, count: int = 3, horizon_minutes: int = 8 * 24 * 60) -> list[datetime]:
    """The next `count` minutes (after `after`) at which a Huey periodic check says to run."""
    start = after.astimezone(UTC).replace(second=0, microsecond=0, tzinfo=None) + timedelta(minutes=1)
    out = []
    for i in range(horizon_minutes):
        t = start + timedelta(minutes=i)
        if validate(t):
            out.append(t.replace(tzinfo=UTC))
            if len(out) == count:
                break
    return out


def describe(times: list[datetime]) -> str:
    if len(times) < 2:
        return "rarely" if times else "never"
    gaps = {int((b - a).total_seconds() // 60) for a, b in itertools.pairwise(times)}
    if len(gaps) == 1:
        gap = gaps.pop()
        if gap == 1:
            return "every minute"
        if gap < 60 and times[0].minute % gap and 60 % gap == 0 and 60 // gap <= 4:
            minutes = sorted({(times[0].minute + k * gap) % 60 for k in range(60 // gap)})
            return "hourly at " + " and ".join(f":{m:02d}" for m in minutes)
        if gap < 60:
            return f"every {gap} minutes"
        if gap == 60:
            return f"hourly at :{times[0].minute:02d}"
        if gap == 1440:
            return f"daily at {fmt.localtime(times[0], '%H:%M %Z')}"
        return f"every {gap // 60} hours" if gap % 60 == 0 else f"every {gap} minutes"
    minutes = sorted({t.minute for t in times})
    return "hourly at " + " and ".join(f":{m:02d}" for m in minutes)


def jobs(now: datetime | None = None) -> list[Job]:
    now = now or clock.now()
    states = {s.name: s for s in JobState.select()}
    out = []
    for name, handle in sorted(periodic_handles().items(), key=lambda kv: LABELS.get(kv[0], kv[0])):
        times = fires(handle.periodic, now)
        out.append(Job(name, LABELS.get(name, name.rsplit(".", 1)[-1].replace("_", " ")), describe(times),
                       times[0] if times else None, states.get(name), name in SAFE))
    return out


def other_states() -> list[JobState]:
    """Tasks run on demand (a webhook, a message…): their last run and failures."""
    periodic = set(periodic_handles())
    return [s for s in JobState.select().order_by(JobState.name) if s.name not in periodic]


def worker_seen() -> datetime | None:
    latest = None
    for s in JobState.select():
        for t in (s.last_started_at, s.last_finished_at):
            if t and (latest is None or t > latest):
                latest = t
    return latest


class NotRunnable(Exception):
    pass


def run_now(name: str) -> bool:
    """Queue a safe periodic task now. False if it is already queued by hand (within a minute)."""
    handle = periodic_handles().get(name)
    if handle is None or name not in SAFE:
        raise NotRunnable(name)
    now = clock.now()
    state = JobState.get_or_none(JobState.name == name)
    if state is not None and state.run_requested_at and state.run_requested_at > now - timedelta(minutes=1):
        return False
    JobState.insert(name=name, run_requested_at=now).on_conflict(
        conflict_target=[JobState.name], update={JobState.run_requested_at: now}).execute()
    handle()
    return True
