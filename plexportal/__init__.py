"""plexportal: request notifications, invites and backup monitoring for a Plex server."""
from __future__ import annotations

__version__ = "0.1.0"

from datetime import timedelta

from flask import Flask


def create_app(config=None) -> Flask:
    """Build the app: configuration, database, extensions, blueprints, CLI. No network I/O, and no
    process set-up: logging and the queue's tables are plexportal.processes.start's (wsgi.py, the
    worker)."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    from plexportal import areas, i18n, queue
    from plexportal.config import Config
    from plexportal.db import init_db
    from plexportal.extensions import csrf, limiter, login_manager
    from plexportal.security import SecretBox
    from plexportal.settings import service as settings_service

    config = config or Config.from_env()
    if not (config.database_url and config.redis_url and config.secret_key):
        config.ensure_data_dir()
    config.resolve_secret_key()

    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=config.secret_key,
        PLEXPORTAL=config,
        TESTING=config.testing,
        SESSION_COOKIE_NAME="plexportal_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.session_cookie_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(days=90),   # the server-side session row decides sooner
        WTF_CSRF_TIME_LIMIT=None,                       # the token lives as long as the session
        WTF_CSRF_ENABLED=not config.extra.get("disable_csrf", False),
        MAX_CONTENT_LENGTH=config.extra.get("max_content_length", 16 * 1024 * 1024),
        RATELIMIT_STORAGE_URI=config.redis_url or "memory://",
        RATELIMIT_ENABLED=not config.extra.get("disable_ratelimit", False),
        RATELIMIT_STRATEGY="moving-window",
        RATELIMIT_KEY_PREFIX=config.extra.get("ratelimit_key_prefix", "plexportal"),
        JSON_SORT_KEYS=False,
    )
    if config.trusted_proxies:
        n = config.trusted_proxies
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's documented way to wrap
            app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n, x_prefix=0)

    init_db(app, config)
    settings_service.configure(SecretBox(config.secret_key, config.secret_key_previous))
    queue.huey.configure(config)
    queue.bind_app(app)

    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.install(app)                                   # Flask-Babel: languages, dates, numbers

    from plexportal import request_hooks

    request_hooks.install(app)
    areas.install(app)                                  # every area's area.py: blueprints, commands, registries
    from plexportal import cli

    cli.install(app)
    return app
