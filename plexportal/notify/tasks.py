from huey import crontab

from plexportal.notify import send
from plexportal.queue import app_periodic, app_task


@app_task()
def send_notifications_task(ids):
    """Send these (if still pending and due). Lost if the worker dies: the sweep below recovers."""
    return send.send(list(ids))


@app_periodic(crontab(minute="*"))
def send_due_notifications_task():
    """State, not ticks: every minute, send whatever is due, including what a dead worker left."""
    return send.send_due()
