"""Thin Huey wrappers. The minute tick is state-based: it reads the logs when LOG_POLL_INTERVAL has
passed and re-evaluates the schedule, so nothing depends on a tick that a stopped worker missed."""
from huey import crontab

from plexportal.backups import monitor, runner, service, summary
from plexportal.queue import app_periodic, app_task


@app_task()
def run_backup_job_task(job_id):
    """Run a manual backup job. One at a time: the runner holds a file lock while the script runs."""
    runner.execute(job_id)


@app_periodic(crontab(minute="*"))
def watch_backups_task():
    runner.reap()
    service.poll_backup_logs()
    monitor.evaluate()
    summary.send_if_due()
