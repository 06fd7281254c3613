from huey import crontab

from plexportal.maintenance import service
from plexportal.queue import app_periodic


@app_periodic(crontab(minute="*"))
def advance_maintenance_task():
    """Start, remind and complete windows by the clock; keeps running while a window is active."""
    return service.advance()
