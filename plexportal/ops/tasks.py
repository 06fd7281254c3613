"""Thin Huey wrappers for plexportal's own backups and the log store's upkeep."""
from huey import crontab

from plexportal.ops import service
from plexportal.queue import app_periodic, app_task


@app_task()
def create_self_backup_task(backup_id):
    """Write one queued backup (Create now or a scheduled time)."""
    service.run_backup(backup_id)


@app_periodic(crontab(minute="*"))
def watch_self_backup_task():
    """Alerts first (a time missed while the worker was down is reported), then queue the backup
    for the latest scheduled time if it has none yet."""
    service.evaluate()
    service.run_due()
