"""App-wide request hooks: who is signed in, deny-by-default access, security headers, errors,
template helpers."""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

import peewee
from flask import Flask, g, jsonify, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from plexportal import __version__, web
from plexportal.auth import hosts, throttle
from plexportal.auth import service as auth_service
from plexportal.extensions import client_address, login_manager
from plexportal.lib import clock, fmt, redact
from plexportal.settings import service as settings

log = logging.getLogger(__name__)
DATABASE_INT_MAX = 2**31 - 1
TOKEN_ARGS = frozenset({"token", "code"})      # URL parts that are secrets


class DatabaseInt(IntegerConverter):
    """`<int:…>` in every route: an id beyond what the database's integer columns hold (PostgreSQL's
    are 32-bit) is simply not found, instead of an overflow error (500) in the query."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > DATABASE_INT_MAX:
            raise NotFound()        # the route matched; the thing cannot exist (not another route's turn)
        return number


def install(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseInt       # before any blueprint adds its rules
    hosts.install(app)          # first: a refused Host reaches neither the bypass nor the wizard
    throttle.warn_if_unshared(app)

    def log_exception(exc_info):
        # Flask's own line names the path, which may carry a token (a person's link, a ping).
        app.logger.error("Exception on %s [%s]", redact.path(request.path), request.method, exc_info=exc_info)
    app.log_exception = log_exception
    login_manager.session_protection = None   # the server-side session row is the protection
    from plexportal.auth import proxy_header

    proxy_header.install(app)                 # before require_admin: the proxy may have signed them in

    @login_manager.user_loader
    def load_user(session_id: str):
        return auth_service.load_session(session_id)

    @login_manager.request_loader
    def bypass_user(req):
        # Local-network bypass: remote_addr is only the real client when ProxyFix trusts exactly
        # the configured hops, so a forged X-Forwarded-For cannot reach this.
        if auth_service.is_bypass_address(client_address()):
            user = auth_service.first_admin()
            if user is not None:
                g.bypass = True
                return user
        return None

    @login_manager.unauthorized_handler
    def unauthorized():
        return _to_login()

    @app.before_request
    def require_admin():
        view = app.view_functions.get(request.endpoint) if request.endpoint else None
        if view is None or request.endpoint == "static" or getattr(view, "is_public", False):
            return None
        if request.blueprint == "api":          # authenticated by X-Api-Key in api_bp
            return None
        if current_user.is_authenticated and current_user.is_admin:
            return None
        if current_user.is_authenticated:
            return make_response(render_template("error.html", code=403, title="Not for you",
                                                 message="This page is for the server's admin."), 403)
        if not auth_service.has_admin():
            return redirect(url_for("settings.wizard"))
        return _to_login()

    @app.after_request
    def security_headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", content_security_policy())
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        # same-origin keeps the Referer on our own POSTs, which flask-wtf checks over HTTPS.
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            h.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.path.startswith("/static/vendor/") and response.status_code == 200:
            # Vendored files carry their version in the name (htmx-2.0.4.js): a new version is a
            # new address, so browsers may keep them instead of asking again on every page.
            h["Cache-Control"] = "public, max-age=31536000, immutable"
        user = g.get("_login_user")    # only if this request loaded one: never a query here
        if user is not None and user.is_authenticated and "Cache-Control" not in h:
            h["Cache-Control"] = "no-store"
        if request.view_args and not TOKEN_ARGS.isdisjoint(request.view_args):
            # A page reached by a token (a person's link, an invite code, a feed) is that person's:
            # no shared or browser cache may keep it.
            h["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(peewee.DatabaseError)
    @app.errorhandler(peewee.InterfaceError)
    def database_error(err):
        log.error("database error on %s: %s", redact.path(request.path), err)
        g._login_user = login_manager.anonymous_user()     # the error page must not query again
        from plexportal.api.views import database_status

        state = database_status()
        if state.startswith("needs migration"):
            message = "The database is not set up yet. On the server run: flask --app wsgi db upgrade"
        elif state.startswith("The database file"):
            message = state
        else:
            message = "The database cannot be reached right now. The details are in the server log."
        if request.path.startswith("/api/") or request.path.startswith("/webhooks/"):
            return jsonify(error="database unavailable"), 503
        if web.is_htmx():
            return web.with_toast("", message, "error", status=200)
        return render_template("error.html", code=503, title="Not available", message=message), 503

    @app.errorhandler(CSRFError)
    def csrf_error(err):
        log.info("CSRF rejected on %s: %s", redact.path(request.path), err.description)
        if web.is_htmx():
            response = make_response("", 200)
            response.headers["HX-Refresh"] = "true"
            return response
        return render_template("error.html", code=400, title="Please try again",
                               message="The form expired. Reload the page and send it again."), 400

    @app.errorhandler(404)
    def not_found(err):
        if request.path.startswith("/api/") or request.path.startswith("/webhooks/"):
            return jsonify(error="not found"), 404
        return render_template("error.html", code=404, title="Not found",
                               message="There is nothing at this address."), 404

    @app.errorhandler(405)
    def not_allowed(err):
        if request.path.startswith("/api/") or request.path.startswith("/webhooks/"):
            return jsonify(error="method not allowed"), 405
        return render_template("error.html", code=405, title="Not allowed",
                               message="That action is not available here."), 405

    @app.errorhandler(413)
    def too_large(err):
        if request.path.startswith("/api/") or request.path.startswith("/webhooks/"):
            return jsonify(error="request body too large"), 413
        return render_template("error.html", code=413, title="Too large",
                               message="That upload is too large."), 413

    @app.errorhandler(429)
    def too_many(err):
        if request.path.startswith("/api/") or request.path.startswith("/webhooks/"):
            return jsonify(error="too many requests"), 429
        message = "Too many attempts. Wait a few minutes and try again."
        if web.is_htmx():
            return web.with_toast("", message, "error", status=200)
        return render_template("error.html", code=429, title="Slow down", message=message), 429

    @app.errorhandler(500)
    def server_error(err):
        if request.path.startswith("/api/") or request.path.startswith("/webhooks/"):
            return jsonify(error="internal error"), 500
        if web.is_htmx():
            return web.with_toast("", "Something went wrong; the details are in the server log.", "error")
        return render_template("error.html", code=500, title="Something went wrong",
                               message="The details are in the server log."), 500

    @app.context_processor
    def template_globals():
        try:
            server_name = settings.get("SERVER_NAME")
        except Exception:  # noqa: BLE001 - the error page must render even when the database is down
            server_name = "plexportal"
        return {
            "nav_items": web.nav_items,
            "setting": settings.get,
            "server_name": server_name,
            "version": __version__,
            "is_bypass": lambda: bool(getattr(g, "bypass", False)),
        }

    app.jinja_env.filters.update(
        reltime=fmt.reltime, localtime=fmt.localtime, bytes=fmt.human_bytes, duration=fmt.human_duration,
        isotime=fmt.isotime, nl2br=web.nl2br, plural=fmt.plural,
    )
    app.jinja_env.globals.update(now=clock.now, url_is_active=web.active_nav)


def content_security_policy() -> str:
    connect = ["'self'"]
    for key in ("PLEX_TV_URL", "PLEX_CLIENTS_URL"):
        try:
            parts = urlsplit(settings.get(key))
            if parts.scheme and parts.netloc:
                connect.append(f"{parts.scheme}://{parts.netloc}")
        except Exception:  # noqa: BLE001 - a header must never fail the response  # nosec B110 # 'self' stays
            pass
    return ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
            f"connect-src {' '.join(connect)}; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'none'; form-action 'self'")


def _to_login():
    login_url = url_for("auth.login", next=web.safe_next(request.full_path.rstrip("?")))
    if request.path.startswith("/api/v1/"):
        return jsonify(error="unauthorized"), 401
    if web.is_htmx():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = login_url
        return response
    return redirect(login_url)
