from huey import crontab

from plexportal.media import availability, service  # noqa: F401 - availability registers the send gate
from plexportal.queue import app_periodic, app_task, on_worker_start


@app_task(retries=3, retry_delay=10)
def process_webhook_task(event_id, force=False):
    return service.process_event(event_id, force=force)


@app_periodic(crontab(minute="*"))
def process_stale_webhooks_task():
    """State, not ticks: events whose task was lost (worker down, queue wiped) are processed here."""
    for _ in range(25):                   # at most 5,000 a minute; the next run continues
        ids = service.stale_event_ids()
        for event_id in ids:
            service.process_event(event_id)
        if len(ids) < 200:
            return


@app_task()
def apply_decision_task(decision_id):
    """Send an admin's Approve / Decline to Seerr (kept and retried while Seerr is down)."""
    from plexportal.media import decisions

    return decisions.apply_decision(decision_id)


@app_periodic(crontab(minute="*"))
def retry_decisions_task():
    """State, not ticks: decisions whose send was lost or is due again."""
    from plexportal.media import decisions

    return [decisions.apply_decision(i) for i in decisions.due_ids()]


@app_task()
def sync_seerr_task(run_id):
    from plexportal.media import sync

    return sync.run_sync(run_id)


@app_periodic(crontab(minute="*/30"), aliases=("plexportal.monitors.tasks.refresh_calendar_task",))
def refresh_calendar_task():
    """Copy the Sonarr/Radarr calendars for requested titles (the Upcoming page and iCal feeds);
    not during maintenance."""
    from plexportal.media import calendar
    from plexportal.notify import send

    if send.pause_reason():
        return None
    return calendar.refresh()


@on_worker_start
@app_task()
def sync_seerr_people_task():
    """Seerr's user list, so its people are known without a click: at worker start, after Seerr
    settings are saved, and every hour (sync_seerr_people_hourly_task)."""
    from plexportal.media import sync

    return sync.sync_people()


@app_periodic(crontab(minute="41"))
def sync_seerr_people_hourly_task():
    return sync_seerr_people_task.call_local()
