"""Manual backup runs: one at a time, a cooldown between requests, output straight to a file.

The child writes to a file, never a pipe, so however much it prints it cannot block. Its pid and
start time are stored, so after a restart a run whose process is gone is marked as vanished."""
from __future__ import annotations

import fcntl
import os
import subprocess  # nosec B404 # every call is listed and reviewed in docs/security.md
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app

from plexportal.backups import importer, parsing
from plexportal.backups.models import BackupCheck, BackupJob, BackupRun
from plexportal.db import db
from plexportal.lib import clock
from plexportal.settings import service as settings

LIVE_BYTES = 64 * 1024
QUEUED_TIMEOUT = timedelta(hours=1)


class RunRefused(Exception):
    def __init__(self, message: str, next_allowed: datetime | None = None):
        super().__init__(message)
        self.message = message
        self.next_allowed = next_allowed


def jobs_dir() -> Path:
    path = Path(current_app.config["PLEXPORTAL"].data_dir) / "backup-runs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def script_problem() -> str | None:
    script = settings.get("BACKUP_SCRIPT_PATH")
    if not script:
        return ("No backup script is set: set PLEXPORTAL_BACKUP_SCRIPT_PATH in the environment or .env "
                "on the server.")
    path = Path(script)
    if not path.is_file():
        return f"The backup script {script} does not exist."
    if not os.access(path, os.X_OK):
        return f"The backup script {script} is not executable (chmod +x)."
    return None


def active_job() -> BackupJob | None:
    return (BackupJob.select().where(BackupJob.status.in_(("queued", "running")))
            .order_by(BackupJob.id.desc()).first())


def request_run(by: str = "") -> BackupJob:
    """Claim the cooldown atomically, then create the job (the caller enqueues it)."""
    problem = script_problem()
    if problem:
        raise RunRefused(problem)
    reap()
    if active_job() is not None:
        raise RunRefused("A backup run is already in progress.")
    from plexportal.backups import monitor

    running = monitor.current_running()
    max_runtime = timedelta(minutes=settings.get_int("BACKUP_MAX_RUNTIME"))
    if running is not None and running.started_at and clock.now() - running.started_at < max_runtime:
        raise RunRefused("A backup is running right now (started "
                         f"{running.started_at.astimezone(importer.zone()).strftime('%H:%M %Z')}); wait for it to finish.")
    now = clock.now()
    cooldown = timedelta(seconds=settings.get_int("BACKUP_COOLDOWN"))
    from plexportal.backups.monitor import check_row

    row = check_row()
    claimed = (BackupCheck.update(last_manual_at=now)
               .where((BackupCheck.id == 1) & (BackupCheck.last_manual_at.is_null()
                                               | (BackupCheck.last_manual_at <= now - cooldown)))
               .execute())
    if claimed != 1:
        row = BackupCheck.get_by_id(row.id)
        raise RunRefused("Manual runs are limited to one every "
                         f"{int(cooldown.total_seconds() // 60) or cooldown.total_seconds():g} minutes.",
                         next_allowed=row.last_manual_at + cooldown)
    with db.atomic():
        job = BackupJob.create(requested_at=now, requested_by=by[:80], status="queued")
        job.output_path = str(jobs_dir() / f"run-{job.id}.log")
        job.save()
    return job


def _proc_start(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        return ""


def is_alive(job: BackupJob) -> bool:
    if not job.pid:
        return False
    try:
        os.kill(job.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return not job.pid_start or _proc_start(job.pid) == job.pid_start


def execute(job_id: int) -> BackupJob | None:
    """Run the script for a queued job (in the worker, or the CLI)."""
    now = clock.now()
    if (BackupJob.update(status="running", started_at=now)
            .where((BackupJob.id == job_id) & (BackupJob.status == "queued")).execute()) != 1:
        return None
    job = BackupJob.get_by_id(job_id)
    lock_path = jobs_dir() / "run.lock"
    with open(lock_path, "a+b") as lock:
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return _finish(job, "failed", None, "Another backup run was still going.")
        script = settings.get("BACKUP_SCRIPT_PATH")
        try:
            with open(job.output_path, "wb") as out:
                # The program is BACKUP_SCRIPT_PATH, from the host's environment only (docs/security.md).
                proc = subprocess.Popen([script], stdout=out,  # nosec B603 # see above stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        cwd=str(Path(script).parent), start_new_session=True, close_fds=True)
                BackupJob.update(pid=proc.pid, pid_start=_proc_start(proc.pid)).where(BackupJob.id == job_id).execute()
                code = proc.wait()
        except OSError as err:
            return _finish(job, "failed", None, f"Could not start the script: {err.strerror or err}")
    return _finish(BackupJob.get_by_id(job_id), "success" if code == 0 else "failed", code)


def _finish(job: BackupJob, status: str, code: int | None, note: str = "") -> BackupJob:
    now = clock.now()
    (BackupJob.update(status=status, exit_code=code, finished_at=now, note=note[:300])
     .where(BackupJob.id == job.id).execute())
    job = BackupJob.get_by_id(job.id)
    record_run(job)
    return job


def record_run(job: BackupJob) -> BackupRun | None:
    """Record the job like a scheduled run: the log's own section when the script wrote one,
    else the sections in its output, else a run made from the job itself."""
    try:
        importer.read_log()
    except OSError:
        pass
    start = (job.started_at or job.requested_at) - timedelta(minutes=1)
    end = (job.finished_at or clock.now()) + timedelta(minutes=1)
    def in_window():
        return (BackupRun.select().where((BackupRun.started_at >= start) & (BackupRun.started_at <= end)
                                         & (BackupRun.source == "log")).order_by(BackupRun.started_at.desc()).first())

    found = in_window()
    if found is None and job.output_path and os.path.exists(job.output_path):
        # the script printed its sections to stdout instead of (or as well as) the log
        scanner = parsing.LogScanner(importer.zone(), settings.get_bool("BACKUP_RSYNC_BINARY_UNITS"))
        with open(job.output_path, "rb") as fh:
            importer.consume(fh, scanner, importer.ImportReport(), None, cursor=None)
        found = in_window()
        if found is None and job.status != "running":
            found = _run_from_output(job)
    if found is not None and found.job_id != job.id:
        BackupRun.update(job=job.id).where(BackupRun.id == found.id).execute()
    return found


def status_of(job: BackupJob) -> str:
    if job.status == "vanished":
        return "failed"
    return parsing.status_for_exit(job.exit_code) if job.exit_code is not None else "failed"


def _run_from_output(job: BackupJob) -> BackupRun:
    with open(job.output_path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        fh.seek(max(0, size - parsing.TAIL_BYTES))
        tail = fh.read()
    summary = parsing.parse_rsync(tail, settings.get_bool("BACKUP_RSYNC_BINARY_UNITS"))
    started = job.started_at or job.requested_at
    fields = dict(source="job", day=importer.local_day(started), started_at=started, finished_at=job.finished_at,
                  duration_seconds=int((job.finished_at - started).total_seconds()) if job.finished_at else None,
                  status=status_of(job), exit_code=job.exit_code, sent_bytes=summary.sent_bytes,
                  received_bytes=summary.received_bytes, total_size_bytes=summary.total_size_bytes,
                  files_transferred=summary.files_transferred, dry_run=summary.dry_run,
                  excerpt=tail[-6144:].decode("utf-8", "replace"), note=job.note, job=job.id, updated_at=clock.now())
    with db.atomic():
        (BackupRun.insert(key=f"job:{job.id}", **fields)
         .on_conflict(conflict_target=[BackupRun.key], update={getattr(BackupRun, k): v for k, v in fields.items()})
         .execute())
        importer.reconcile_days({fields["day"]})
    return BackupRun.get(BackupRun.key == f"job:{job.id}")


def reap(now: datetime | None = None) -> int:
    """Mark jobs whose process is gone (app or worker restarted mid-run) and jobs never started."""
    now = now or clock.now()
    count = 0
    for job in BackupJob.select().where(BackupJob.status.in_(("queued", "running"))):
        if job.status == "running" and job.pid and not is_alive(job):
            done = (BackupJob.update(status="vanished", finished_at=now,
                                     note="The process vanished (plexportal restarted while it ran); its output is kept.")
                    .where((BackupJob.id == job.id) & (BackupJob.status == "running")).execute())
        elif job.status == "running" and not job.pid and now - (job.started_at or now) > timedelta(minutes=5):
            done = (BackupJob.update(status="vanished", finished_at=now, note="The run never started its process.")
                    .where((BackupJob.id == job.id) & (BackupJob.status == "running")).execute())
        elif job.status == "queued" and now - job.requested_at > QUEUED_TIMEOUT:
            done = (BackupJob.update(status="failed", finished_at=now, note="Never started: is the worker running?")
                    .where((BackupJob.id == job.id) & (BackupJob.status == "queued")).execute())
        else:
            continue
        if done:
            count += 1
            record_run(BackupJob.get_by_id(job.id))
    return count


def output_tail(job: BackupJob, limit: int = LIVE_BYTES) -> tuple[str, bool]:
    """The end of the job's output and whether it was cut."""
    try:
        with open(job.output_path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            fh.seek(max(0, size - limit))
            data = fh.read(limit)
    except OSError:
        return "", False
    return data.decode("utf-8", "replace"), size > limit
