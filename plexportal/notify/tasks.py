from huey import crontab

from plexportal.notify import send
from plexportal.queue import app_periodic, app_task, on_worker_start

RECOVERY_ROUNDS = 5


@app_task()
def send_notifications_task(ids):
    """Send these (if still pending and due). Lost if the worker dies: the sweep below recovers."""
    return send.send(list(ids))


@app_periodic(crontab(minute="*"))
def send_due_notifications_task():
    """State, not ticks: every minute, send whatever is due, including what a dead worker left."""
    return send.send_due()


@on_worker_start
@app_task()
def recover_sends_task(round_=0):
    """At worker start: send what is due, then come back when the earliest lease still held runs
    out (a worker that was killed a moment ago held it), so its message goes out within a lease
    of the restart rather than at some later sweep."""
    from datetime import timedelta

    counts = send.send_due()
    ends = send.next_lease_end()
    if ends is not None and round_ < RECOVERY_ROUNDS:
        recover_sends_task.schedule(args=(round_ + 1,), eta=ends + timedelta(seconds=1))
    return counts
