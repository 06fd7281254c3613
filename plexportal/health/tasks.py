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


# A title Seerr just approved may reach Sonarr/Radarr a moment after the webhook: ask again after
# these many seconds; the periodic run covers anything still undecided after that.
DECIDE_AGAIN_AFTER = (60, 300, 900)


@app_task()
def decide_release_task(request_id, attempt=0):
    """Coming soon / waiting for quality for one request, decided when it is approved."""
    from plexportal.health.monitors import quality

    outcome = quality.decide_for_request(request_id)
    if (outcome == quality.UNKNOWN or outcome.startswith("upstream error")) and attempt < len(DECIDE_AGAIN_AFTER):
        decide_release_task.schedule(args=(request_id, attempt + 1), delay=DECIDE_AGAIN_AFTER[attempt])
    return outcome
