"""The JSON API under /api/v1 (X-Api-Key) and /healthz (no auth, no secrets).

Areas add read endpoints in `<area>/api.py` by decorating routes on `api_bp`."""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, request

from plexportal import __version__, web
from plexportal.api import envelope, openapi
from plexportal.api.envelope import TEXT, TIME, obj
from plexportal.auth import hosts, throttle
from plexportal.cli import pending_migrations
from plexportal.db import db, db_session, file_problem
from plexportal.extensions import client_address, csrf
from plexportal.lib import fmt
from plexportal.queue import queue_status
from plexportal.security import constant_time_equals
from plexportal.settings import checks as check_mod
from plexportal.settings import service as settings
from plexportal.settings.models import ServiceCheck

log = logging.getLogger(__name__)
api_bp = Blueprint("api", __name__, url_prefix="/api/v1")
health_bp = Blueprint("health", __name__)
csrf.exempt(api_bp)


@api_bp.before_request
def require_api_key():
    expected = settings.get("API_KEY")
    given = request.headers.get("X-Api-Key", "")
    if not expected:
        return jsonify(error="the API is disabled: set an API key in Settings → Security"), 401
    address = client_address()
    try:
        with throttle.MACHINE_SECRET.attempt(address, abort_with=None) as record_failure:
            if not constant_time_equals(given, expected):
                record_failure()
                log.warning("wrong X-Api-Key from %s", address)
                return jsonify(error="missing or wrong X-Api-Key"), 401
    except throttle.Throttled:
        return jsonify(error="too many wrong keys from this address; wait a few minutes"), 429
    return None


def _api(view):
    """API views authenticate with the key, not a session."""
    return web.public(view)


def database_status() -> str:
    """'ok' or what is wrong, in words an operator can act on (never a driver's error text)."""

    problem = file_problem()
    if problem:
        return problem
    try:
        with db_session():
            db.execute_sql("SELECT 1")
            pending = pending_migrations()
    except Exception as err:  # noqa: BLE001 - any failure means "not usable"
        log.warning("database check failed: %s", type(err).__name__)
        if not db.is_closed():
            db.close()
        return "unavailable"
    if pending:
        return f"needs migration: run `flask --app wsgi db upgrade` ({len(pending)} pending)"
    return "ok"


api_bp.register_error_handler(envelope.BadParameter, envelope.bad_parameter)

SERVICE_CHECK = obj(ok={"type": ["boolean", "null"], "description": "null: not checked yet"}, message=TEXT,
                    checked_at=TIME)
STATUS = obj("plexportal's own state and the last check of each connected service",
             version=TEXT,
             database={"type": "string", "description": "ok, or what is wrong in words"},
             queue={"type": "string", "description": "ok, or what is wrong in words"},
             services={"type": "object", "additionalProperties": SERVICE_CHECK,
                       "description": "By service name (Sonarr, Radarr, Seerr, Plex, Email …)"})


@api_bp.get("/status")
@_api
@envelope.documented("Version, database, queue and each connected service", response=STATUS)
def status():
    checks = {c.service: {"ok": c.ok, "message": c.message, "checked_at": fmt.isotime(c.checked_at)}
              for c in ServiceCheck.select()}

    services = {g: checks.get(g, {"ok": None, "message": "not checked yet", "checked_at": None})
                for g in check_mod.configured_groups(settings.get)}
    return jsonify(version=__version__, database=database_status(), queue=queue_status(), services=services)


@api_bp.get("/openapi.json")
@_api
@envelope.documented("This document: the OpenAPI 3.1 description of /api/v1",
                     response={"type": "object", "required": ["openapi", "info", "paths"]})
def openapi_document():
    return jsonify(openapi.build(current_app))


@health_bp.get("/healthz")
@web.public
@hosts.any_host
def healthz():
    database, queue = database_status(), queue_status()
    ok = database == "ok" and queue == "ok"
    return jsonify(status="ok" if ok else "unavailable", database=database, queue=queue), 200 if ok else 503

