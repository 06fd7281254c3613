"""Invites tasks: thin wrappers taking ids; the periodic ones scan for what is due (state, not ticks)."""
from __future__ import annotations

import logging

from huey import crontab

from plexportal.gateways.base import GatewayError
from plexportal.queue import app_periodic, app_task, on_worker_start

log = logging.getLogger(__name__)


@app_task()
def provision_redemption_task(redemption_id: int) -> str:
    from plexportal.invites import provisioning

    return provisioning.provision(redemption_id)


@app_periodic(crontab(minute="*"))
def retry_provisioning_task() -> int:
    from plexportal.invites import provisioning

    due = provisioning.due_for_retry()
    for rid in due:
        provisioning.provision(rid)
    return len(due)


@on_worker_start
@app_task()
def recover_provisioning_task(round_=0) -> int:
    """At worker start: provision what is due, then again when the earliest lease still held runs
    out (a killed worker's redemption), within a lease of the restart."""
    from datetime import timedelta

    from plexportal.invites import provisioning

    due = provisioning.due_for_retry()
    for rid in due:
        provisioning.provision(rid)
    ends = provisioning.next_lease_end()
    if ends is not None and round_ < 5:
        recover_provisioning_task.schedule(args=(round_ + 1,), eta=ends + timedelta(seconds=1))
    return len(due)


@app_periodic(crontab(minute="*/10"))
def sync_users_task() -> dict | None:
    from plexportal.invites import access
    from plexportal.settings import service as settings

    if not (settings.get("PLEX_URL") and settings.get("PLEX_TOKEN")):
        return None
    try:
        return access.sync()
    except GatewayError as err:
        log.warning("plex.tv user sync failed: %s", err.message)
        return None


@on_worker_start
@app_task()
def learn_plex_server_task() -> int | None:
    """The server's name, machine id and libraries: at worker start, after Plex settings are saved,
    and every hour (learn_plex_server_hourly_task), so a rename or a new library shows up."""
    from plexportal.invites import provisioning

    try:
        found = provisioning.learn_server()
    except GatewayError as err:
        log.warning("could not read the Plex server's name and libraries: %s", err.message)
        return None
    return None if found is None else len(found)


@app_periodic(crontab(minute="23"))
def learn_plex_server_hourly_task() -> int | None:
    return learn_plex_server_task.call_local()


@app_periodic(crontab(minute="*/15"))
def expire_access_task() -> dict:
    from plexportal.invites import access

    return access.expire_due()


@app_periodic(crontab(minute="7,37"))
def check_plex_token_task() -> bool | None:
    from plexportal.invites import provisioning
    from plexportal.settings import service as settings

    if not settings.get("PLEX_TOKEN"):
        return None
    return provisioning.check_token()[0]


@app_task()
def send_batch_task(batch_id: int) -> int:
    from plexportal.invites import batch

    return batch.send(batch_id)
