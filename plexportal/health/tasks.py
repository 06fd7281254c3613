from huey import crontab

from plexportal.health import maintenance, service
from plexportal.queue import app_periodic, app_task

# The former dotted names stay registered as aliases for one release (docs/upgrading.md).
_OLD = "plexportal.monitors.tasks"


@app_periodic(crontab(minute="*"), aliases=(f"{_OLD}.run_due_monitors_task",))
def run_due_monitors_task():
    """Every minute: run each enabled monitor whose interval has passed since its last start."""
    return [r.id for r in service.run_due()]


@app_task(aliases=(f"{_OLD}.run_monitor_task",))
def run_monitor_task(name, trigger="manual", only=None):
    try:
        return service.run_monitor(name, trigger, only).id
    except service.Busy:
        return None


@app_periodic(crontab(minute="*"), aliases=("plexportal.maintenance.tasks.advance_maintenance_task",))
def advance_maintenance_task():
    """Start, remind and complete windows by the clock; keeps running while a window is active."""
    return maintenance.advance()
