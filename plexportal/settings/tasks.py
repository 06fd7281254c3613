from huey import crontab

from plexportal.queue import app_periodic
from plexportal.settings import checks, service


@app_periodic(crontab(minute="*/15"))
def check_services_task():
    """Re-test every configured service so the dashboard and /api/v1/status stay current."""
    for group in checks.configured_groups(service.get):
        checks.record(group, checks.run(group, {}, service.get))
