from huey import crontab

from plexportal.media.monitors import hooks  # noqa: F401 - registers the webhook subscribers
from plexportal.monitors import service
from plexportal.queue import app_periodic, app_task


@app_periodic(crontab(minute="*"))
def run_due_monitors_task():
    """Every minute: run each enabled monitor whose interval has passed since its last start."""
    return [r.id for r in service.run_due()]


@app_task()
def run_monitor_task(name, trigger="manual", only=None):
    try:
        return service.run_monitor(name, trigger, only).id
    except service.Busy:
        return None


@app_periodic(crontab(minute="*/30"))
def refresh_calendar_task():
    """Copy the Sonarr/Radarr calendars for requested titles (the Upcoming page and iCal feeds)."""
    from plexportal.monitors import calendar

    if service.pause_reason():
        return None
    return calendar.refresh()
