"""Thin Huey wrappers. The minute tick is state-based: it reads the logs when LOG_POLL_INTERVAL has
passed, re-evaluates the schedule and checks the destination every 15 minutes, so nothing depends
on a tick that a stopped worker missed."""
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
    st = monitor.evaluate()
    monitor.check_destination(busy=st.running is not None)
    summary.send_if_due()
