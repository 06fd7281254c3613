"""Webhook subscribers (media.events, declared in area.py): what the monitors do when
Sonarr/Radarr/Seerr tell us something. They run in the worker after the media area has stored and processed the event; each is
idempotent (a replayed event changes nothing twice)."""
from __future__ import annotations

import json
import logging

from plexportal.health import service
from plexportal.health.monitors import issue_fix, quality
from plexportal.media import shape

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


def on_download(event, parsed) -> None:
    resolved = issue_fix.handle_import(event.source, _body(event))
    if resolved:
        log.info("%s import resolved Seerr issue(s) %s", event.source, resolved)


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
