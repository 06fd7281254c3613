from huey import crontab

from plexportal.notify import send
from plexportal.queue import app_periodic, app_task, on_worker_start

RECOVERY_ROUNDS = 5


@app_task()
def send_notifications_task(ids):
    """Send these (if still pending and due), and come back for any still collecting because items
    were added since this was scheduled. Lost if the worker dies: the sweep below recovers."""
    from plexportal.lib import clock

    counts = send.send(list(ids))
    later = send.next_collecting(ids)
    # Only for a time still ahead: a batch due and not sealed (sending paused) is the sweep's.
    if later is not None and later > clock.now():
        send_notifications_task.schedule(args=(list(ids),), eta=later)
    return counts


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
