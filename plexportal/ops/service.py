"""Operations: the area's actions (plexportal's own backups and restores, their schedule and
alerts), callable from views, tasks, the CLI and tests."""
from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from pathlib import Path

import peewee
from flask import current_app

from plexportal import areas
from plexportal.backups import service as backups
from plexportal.db import db
from plexportal.lib import clock, fmt
from plexportal.ops import backup
from plexportal.ops.models import SelfBackup
from plexportal.settings import service as settings

log = logging.getLogger(__name__)
GRACE = timedelta(hours=2)              # a scheduled backup not even started this long after its time is missed
STALE_RUNNING = timedelta(hours=3)      # a backup "running" this long belonged to a worker that was stopped
ACTIVE = ("queued", "running")


def config():
    return current_app.config["PLEXPORTAL"]


def folder() -> Path:
    try:
        configured = settings.get("SELF_BACKUP_DIR")
    except peewee.DatabaseError:                 # before the first migration: no settings table yet
        configured = ""
    return Path(configured) if configured else config().data_dir / "backups"


def _has_table() -> bool:
    return "self_backup" in db.get_tables()


def backup_now(kind: str, *, passphrase: str | None = None, to: Path | None = None,
               progress: backup.Progress | None = None) -> backup.BackupResult:
    """A backup made and waited for (command line, before an upgrade, safety copy before a restore),
    recorded in the history when the table exists."""
    target = to or folder()
    row = None
    if _has_table():
        row = SelfBackup.create(kind=kind, status="running", started_at=clock.now(), folder=str(target))
    try:
        result = backup.create_backup(db.obj, target, secret_key=config().secret_key, kind=kind,
                                      passphrase=passphrase, progress=progress)
    except backup.BackupError as err:
        if row is not None:
            _finish(row.id, "failed", message=str(err)[:500])
        raise
    if row is not None:
        _finish(row.id, "success", result=result)
    return result


def _finish(row_id: int, status: str, *, message: str = "", result: backup.BackupResult | None = None) -> None:
    values = {SelfBackup.status: status, SelfBackup.finished_at: clock.now(), SelfBackup.message: message}
    if result is not None:
        values.update({SelfBackup.file_name: result.path.name, SelfBackup.folder: str(result.path.parent),
                       SelfBackup.size_bytes: result.size, SelfBackup.rows_done: result.rows,
                       SelfBackup.rows_total: result.rows})
    SelfBackup.update(values).where(SelfBackup.id == row_id).execute()


# -- Create now and the schedule (run by the worker) ----------------------------------------------------

def active_backup() -> SelfBackup | None:
    return (SelfBackup.select().where(SelfBackup.status.in_(ACTIVE)
                                      & (SelfBackup.requested_at > clock.now() - STALE_RUNNING))
            .order_by(SelfBackup.id.desc()).first())


def request_backup() -> tuple[SelfBackup, bool]:
    """Queue a backup (Create now). Returns (row, created): an active one is returned instead."""
    current = active_backup()
    if current is not None:
        return current, False
    row = SelfBackup.create(kind="manual", folder=str(folder()))
    _enqueue(row.id)
    return row, True


def _enqueue(row_id: int) -> None:
    areas.task("plexportal.ops.tasks.create_self_backup_task")(row_id)


def run_backup(row_id: int) -> SelfBackup | None:
    """Run a queued backup (the worker's task): claim it, write the archive with progress on the
    row, prune old archives, then re-evaluate the alerts."""
    claimed = (SelfBackup.update(status="running", started_at=clock.now())
               .where((SelfBackup.id == row_id) & (SelfBackup.status == "queued")).execute())
    if claimed != 1:
        return None
    row = SelfBackup.get_by_id(row_id)
    last = [0.0]

    def progress(tables_done, tables_total, rows_done, rows_total):
        now = time.monotonic()
        if now - last[0] < 0.5 and tables_done < tables_total:
            return
        last[0] = now
        (SelfBackup.update(tables_done=tables_done, tables_total=tables_total, rows_done=rows_done,
                           rows_total=rows_total).where(SelfBackup.id == row_id).execute())

    target = Path(row.folder) if row.folder else folder()
    try:
        result = backup.create_backup(db.obj, target, secret_key=config().secret_key, kind=row.kind,
                                      passphrase=settings.get("SELF_BACKUP_PASSPHRASE") or None, progress=progress)
    except backup.BackupError as err:
        log.error("plexportal backup failed: %s", err, extra={"subject": ("selfbackup", row_id)})
        _finish(row_id, "failed", message=str(err)[:500])
    except Exception as err:
        log.exception("plexportal backup failed", extra={"subject": ("selfbackup", row_id)})
        _finish(row_id, "failed", message=f"The backup stopped with an unexpected error ({type(err).__name__}); "
                                          "the details are on the Logs page.")
    else:
        _finish(row_id, "success", result=result)
        removed = backup.prune(target, settings.get_int("SELF_BACKUP_KEEP"))
        log.info("plexportal backed up to %s (%s, %d rows)%s", result.path, fmt.human_bytes(result.size), result.rows,
                 f"; removed {len(removed)} old backup(s)" if removed else "")
    evaluate()
    return SelfBackup.get_by_id(row_id)


def schedule() -> str:
    """The cron expression, or "" when scheduled backups are off."""
    expr = settings.get("SELF_BACKUP_SCHEDULE").strip()
    return "" if expr.lower() == "off" else expr


def last_fire(now: datetime) -> datetime | None:
    expr = schedule()
    if not expr:
        return None
    return backups.previous_cron_fire(expr, fmt.display_zone(), now)


def next_fire(now: datetime | None = None) -> datetime | None:
    expr = schedule()
    return backups.next_cron_fire(expr, fmt.display_zone(), now or clock.now()) if expr else None


def run_due(now: datetime | None = None) -> SelfBackup | None:
    """Queue the backup for the latest scheduled time if nothing was queued for it yet (state, not
    ticks: a worker that was down catches up with one backup when it returns). A time long past
    is only caught up when scheduled backups ran before it."""
    now = now or clock.now()
    fire = last_fire(now)
    if fire is None or SelfBackup.select().where(SelfBackup.fire_at == fire).exists():
        return None
    if now - fire > GRACE and not SelfBackup.select().where((SelfBackup.kind == "scheduled")
                                                          & (SelfBackup.requested_at < fire)).exists():
        return None          # a new install (or a new schedule): wait for the next time, don't catch up
    try:
        with db.atomic():
            row = SelfBackup.create(kind="scheduled", fire_at=fire, requested_at=now, folder=str(folder()))
    except peewee.IntegrityError:
        return None                          # another worker claimed this time
    _enqueue(row.id)
    return row


def reap(now: datetime | None = None) -> int:
    now = now or clock.now()
    return (SelfBackup.update(status="failed", finished_at=now,
                              message="The worker stopped while this backup was running; no archive was kept.")
            .where(SelfBackup.status.in_(ACTIVE) & (SelfBackup.requested_at <= now - STALE_RUNNING)).execute())


def evaluate(now: datetime | None = None) -> dict:
    """The self-backup's alerts, with the backups area's alerting: a failed backup (the newest
    finished one failed) and a missed one (a scheduled time passed by GRACE with no backup
    attempted since, after scheduled backups had run before)."""
    now = now or clock.now()
    reap(now)
    server = settings.get("SERVER_NAME") or "your server"
    last = (SelfBackup.select().where(SelfBackup.status.in_(("success", "failed")))
            .order_by(SelfBackup.finished_at.desc(nulls="LAST"), SelfBackup.id.desc()).first())
    failed = last is not None and last.status == "failed"
    backups.track_alert("self_failed", failed, f"plexportal's own backup failed on {server}",
                        (f"The backup of plexportal's database and key that started {fmt.localtime(last.started_at)} "
                         f"failed: {last.message}\n\nSee Settings → Data.") if failed else "",
                        "a plexportal backup succeeded again")
    fire = last_fire(now - GRACE)
    missed = False
    if fire is not None:
        attempted = SelfBackup.select().where(SelfBackup.requested_at >= fire).exists()
        history = SelfBackup.select().where((SelfBackup.kind == "scheduled") & (SelfBackup.requested_at < fire)).exists()
        missed = history and not attempted
    backups.track_alert("self_missed", missed, f"plexportal's own backup missed on {server}",
                        f"No backup of plexportal was made for {fmt.localtime(fire)} (schedule "
                        f"{schedule()}). Is the worker running?" if missed else "",
                        "a plexportal backup ran again")
    return {"failed": failed, "missed": missed}


def same_disk_as_data(where: Path | None = None) -> bool:
    """Whether the backup folder is on the data dir's file system (a lost disk takes both)."""
    import os

    where = where or folder()
    probe = where if where.exists() else where.parent
    try:
        return os.stat(probe).st_dev == os.stat(config().data_dir).st_dev
    except OSError:
        return False


def history(limit: int = 20) -> list[SelfBackup]:
    return list(SelfBackup.select().order_by(SelfBackup.id.desc()).limit(limit))


def archive_path(name: str) -> Path | None:
    """The archive called `name` in the backup folder, or None (only names plexportal writes)."""
    if not backup.NAME_RE.match(name or ""):
        return None
    path = folder() / name
    return path if path.is_file() else None


def backup_before_upgrade(echo) -> Path | None:
    """`db upgrade` (and so the Docker entrypoint) backs up first when migrations are pending and
    the database holds data. A failed backup stops the upgrade with the reason."""
    import click

    from plexportal.cli import pending_migrations
    from plexportal.db import db_session
    from plexportal.ops import restore

    with db_session():
        if not pending_migrations() or not restore.current_rows(db.obj):
            return None
        try:
            result = backup_now("upgrade")
        except backup.BackupError as err:
            raise click.ClickException(f"{err} Nothing was migrated: fix this, or run "
                                       "`flask --app wsgi db upgrade --no-backup` to migrate without a backup.") from None
    echo(f"Backed up plexportal before upgrading: {result.path}")
    return result.path
