"""Webhook receivers: authenticate, store the raw body, enqueue, answer (DESIGN law 2)."""
from __future__ import annotations

import logging

from flask import Blueprint, jsonify, request

from plexportal import web
from plexportal.extensions import csrf
from plexportal.media import service
from plexportal.media.parsing import MAX_BYTES
from plexportal.settings import service as settings

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
csrf.exempt(bp)

# Jellyseerr and Overseerr are Seerr under older names; their URLs keep working.
SOURCES = {"sonarr": "sonarr", "radarr": "radarr", "seerr": "seerr", "jellyseerr": "seerr", "overseerr": "seerr"}


@bp.post("/<name>")
@web.public
def receive(name: str):
    source = SOURCES.get(name)
    if source is None:
        return jsonify(error="unknown webhook source"), 404
    if not service.secret_matches(settings.get("WEBHOOK_SECRET"), request.headers.get("Authorization", ""),
                                  request.args.get("token")):
        return jsonify(error="wrong or missing webhook secret"), 401
    if request.content_length is not None and request.content_length > MAX_BYTES:
        return jsonify(error="body too large"), 413
    raw = request.stream.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        return jsonify(error="body too large"), 413
    recorded = service.record_webhook(source, raw)
    if recorded.problem:
        return jsonify(error=recorded.problem, id=recorded.event_id), 400
    if recorded.is_new:
        from plexportal.media.tasks import process_webhook_task

        try:
            process_webhook_task(recorded.event_id)
        except Exception as err:  # noqa: BLE001 - stored already; the minute sweep processes it
            log.warning("could not enqueue webhook %s: %s", recorded.event_id, err)
    return jsonify(status="accepted", id=recorded.event_id, duplicate=not recorded.is_new), 200
