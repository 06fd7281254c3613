"""Webhook subscribers (media.events, declared in area.py): what the monitors do when
Sonarr/Radarr/Seerr tell us something. They run in the worker after the media area has stored and processed the event; each is
idempotent (a replayed event changes nothing twice)."""
from __future__ import annotations

import json
import logging

from plexportal.health import issue_messages, service
from plexportal.health.monitors import issue_fix, quality
from plexportal.health.tasks import decide_release_task
from plexportal.media import events, shape
from plexportal.media.models import MediaRequest

log = logging.getLogger(__name__)


def _body(event) -> dict:
    try:
        body = json.loads(event.body or "{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def on_seerr(event, parsed) -> None:
    body = _body(event)
    kind = body.get("notification_type")
    if not isinstance(kind, str):
        return
    if kind in issue_fix.ISSUE_EVENTS:
        outcome = issue_fix.handle_issue_event(kind, body)
        log.info("seerr %s (event %s): %s", kind, event.id, outcome)
        told = issue_messages.tell(event, kind, body, outcome)
        log.info("seerr %s (event %s) for the reporter: %s", kind, event.id, told)


def on_downloads(pairs: list) -> None:
    """on_download() for many Downloads at once: once per series or film, with every episode they
    imported (what each in turn would have done: the imported ids add up, the cancel is the same)."""
    shows: dict[tuple, list[dict]] = {}
    for event, _parsed in pairs:
        body = _body(event)
        what = shape.obj(body, "series" if event.source == "sonarr" else "movie")
        shows.setdefault((event.source, what.get("tvdbId"), what.get("tmdbId"), what.get("id")), []).append(body)
    for (source, *_ids), bodies in shows.items():
        together = dict(bodies[0])
        if source == "sonarr":
            together["episodes"] = [e for body in bodies for e in shape.objects(body, "episodes")]
        resolved = issue_fix.handle_import(source, together)
        if resolved:
            log.info("%s import resolved Seerr issue(s) %s", source, resolved)
        quality.cancel_on_grab(source, together)


@events.many(on_downloads)
def on_download(event, parsed) -> None:
    resolved = issue_fix.handle_import(event.source, _body(event))
    if resolved:
        log.info("%s import resolved Seerr issue(s) %s", event.source, resolved)
    # Imported: a "waiting for a good copy" still held back is moot (a Grab usually said so first).
    quality.cancel_on_grab(event.source, _body(event))


def on_approved(event, parsed) -> None:
    """Seerr approved a request: decide "coming soon" / "waiting for quality" now (tasks.py asks
    again a little later while the *arr does not know the title yet)."""
    request = getattr(parsed, "request", None)
    if request is None or request.request_id is None:
        return
    row = MediaRequest.get_or_none(MediaRequest.seerr_request_id == request.request_id)
    if row is not None:
        decide_release_task(row.id)


def on_manual_interaction(event, parsed) -> None:
    """ManualInteractionRequired: fix that download now instead of at the next poll."""
    download_id = shape.text(_body(event).get("downloadId"), "downloadId", 200)
    if not download_id:
        return
    try:
        service.run_monitor("import-fix", "webhook", only={"service": event.source, "download_id": download_id})
    except service.Busy as err:
        log.info("import-fix not run for webhook %s (%s); the next run handles it", event.id, err)


def on_grab(event, parsed) -> None:
    quality.cancel_on_grab(event.source, _body(event))


# Sonarr's and Radarr's events alike.
ARR_EVENTS = {"Download": on_download, "ManualInteractionRequired": on_manual_interaction, "Grab": on_grab}
# Seerr's approvals (by an admin, or automatically) decide the release and quality messages.
APPROVALS = ("MEDIA_APPROVED", "MEDIA_AUTO_APPROVED")
