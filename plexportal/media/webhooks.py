"""Webhook receivers: authenticate, store the raw body, enqueue, answer (DESIGN law 2).

POST /webhooks/{sonarr,radarr,seerr,jellyseerr,overseerr} is served by a small WSGI layer in front
of Flask: a webhook needs none of the page machinery (sessions, CSRF, rate limits, templates,
security headers for HTML), and skipping it keeps one ingest at about a millisecond of CPU, so one
gunicorn worker absorbs an *arr's burst (docs/benchmarks.md). It is public (no session) and exempt
from CSRF by construction; it authenticates with WEBHOOK_SECRET itself.
"""
from __future__ import annotations

import contextlib
import json
import logging
import threading
from urllib.parse import parse_qs

from flask import Blueprint

from plexportal.auth import throttle
from plexportal.db import db_session, file_problem, is_sqlite
from plexportal.media import service
from plexportal.media.parsing import MAX_BYTES
from plexportal.media.tasks import process_webhook_task
from plexportal.queue import huey
from plexportal.settings import service as settings

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__)
PREFIX = "/webhooks/"

# Jellyseerr and Overseerr are Seerr under older names; their URLs keep working.
SOURCES = {"sonarr": "sonarr", "radarr": "radarr", "seerr": "seerr", "jellyseerr": "seerr", "overseerr": "seerr"}
_STATUS = {200: "200 OK", 400: "400 Bad Request", 401: "401 Unauthorized", 404: "404 Not Found",
           411: "411 Length Required", 413: "413 Content Too Large", 429: "429 Too Many Requests",
           503: "503 Service Unavailable"}


# SQLite lets one writer in at a time, and a thread that finds the file locked polls with growing
# sleeps (SQLite's busy handler: 1, 2, 5 … 100 ms). The web's threads take turns on this lock
# instead, which wakes the next one at once: under a burst the slowest 1 % of webhooks answer in
# half the time (docs/benchmarks.md). PostgreSQL needs no such turn-taking.
_sqlite_turn = threading.Lock()


def _write_turn(on_sqlite: bool):
    return _sqlite_turn if on_sqlite else contextlib.nullcontext()


def _queue_on_sqlite() -> bool:
    from huey.storage import SqliteStorage


    return isinstance(huey.instance.storage, SqliteStorage)


def _answer(start_response, code: int, **body):
    data = json.dumps(body).encode()
    start_response(_STATUS[code], [("Content-Type", "application/json"), ("Content-Length", str(len(data))),
                                   ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff")])
    return [data]


def _read_body(environ) -> bytes | None:
    """The body, or None when it is larger than MAX_BYTES."""
    stream = environ.get("wsgi.input")
    length = environ.get("CONTENT_LENGTH") or ""
    if length.isdigit():
        if int(length) > MAX_BYTES:
            return None
        return stream.read(int(length)) if stream is not None and int(length) else b""
    raw = stream.read(MAX_BYTES + 1) if stream is not None else b""      # chunked: read at most the cap
    return None if len(raw) > MAX_BYTES else raw


def client_address(environ, trusted_proxies: int) -> str:
    """The client as ProxyFix would see it (this layer runs in front of it): with N trusted
    proxies the N-th X-Forwarded-For entry from the right, else the TCP peer."""
    if trusted_proxies:
        forwarded = [p.strip() for p in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= trusted_proxies:
            return forwarded[-trusted_proxies]
    return environ.get("REMOTE_ADDR") or "127.0.0.1"


def receive(environ, start_response, app):
    name = environ.get("PATH_INFO", "")[len(PREFIX):].strip("/")
    source = SOURCES.get(name)
    if source is None:
        return _answer(start_response, 404, error="unknown webhook source")
    token = parse_qs(environ.get("QUERY_STRING", "")).get("token", [None])[0]
    try:
        expected = settings.get("WEBHOOK_SECRET")
    except Exception:  # database unreachable: the tool should retry later
        log.exception("webhook %s: could not read the webhook secret", source)
        return _answer(start_response, 503, error="temporarily unavailable")
    address = client_address(environ, app.config["PLEXPORTAL"].trusted_proxies)
    prefix = app.config.get("RATELIMIT_KEY_PREFIX")
    try:
        with throttle.MACHINE_SECRET.attempt(address, prefix=prefix, abort_with=None) as record_failure:
            if not service.secret_matches(expected, environ.get("HTTP_AUTHORIZATION", ""), token):
                record_failure()
                log.warning("webhook %s: wrong or missing secret from %s", source, address)
                return _answer(start_response, 401, error="wrong or missing webhook secret")
    except throttle.Throttled:
        return _answer(start_response, 429, error="too many wrong secrets from this address; wait a few minutes")
    raw = _read_body(environ)
    if raw is None:
        return _answer(start_response, 413, error="body too large")
    problem = file_problem()
    if problem:                  # accepting now would lose the event at the next restart
        log.error("webhook %s refused: %s", source, problem)
        return _answer(start_response, 503, error="database unavailable")
    try:
        with _write_turn(is_sqlite()), db_session():
            recorded = service.record_webhook(source, raw)
    except Exception:  # not stored: say so, so a human sees the failure in the *arr
        log.exception("webhook %s: could not store the body", source)
        return _answer(start_response, 503, error="could not store the webhook")
    if recorded.problem:
        return _answer(start_response, 400, error=recorded.problem, id=recorded.event_id)
    if recorded.is_new:

        try:
            with _write_turn(_queue_on_sqlite()):     # the SQLite queue file has one writer too
                process_webhook_task(recorded.event_id)
        except Exception as err:  # noqa: BLE001 - stored already; the minute sweep processes it
            log.warning("could not enqueue webhook %s: %s", recorded.event_id, err)
    return _answer(start_response, 200, status="accepted", id=recorded.event_id, duplicate=not recorded.is_new)


class WebhookLayer:
    def __init__(self, wsgi_app, app):
        self.wsgi_app = wsgi_app
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO", "").startswith(PREFIX):
            return receive(environ, start_response, self.app)
        return self.wsgi_app(environ, start_response)


@bp.record_once
def _install(state) -> None:
    state.app.wsgi_app = WebhookLayer(state.app.wsgi_app, state.app)
