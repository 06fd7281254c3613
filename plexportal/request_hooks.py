"""App-wide request hooks (installed by create_app): who is signed in, deny-by-default access,
security headers, error pages, template helpers. Webhook subscribers are another thing entirely:
see media/events.py."""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

import peewee
from flask import Flask, current_app, g, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from plexportal import __version__, web
from plexportal.api.views import database_status
from plexportal.auth import hosts, proxy_header, throttle
from plexportal.auth import service as auth_service
from plexportal.extensions import client_address, login_manager
from plexportal.i18n import N_
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
    """Every app-wide request hook, in the order they must run."""
    app.url_map.converters["int"] = DatabaseInt       # before any blueprint adds its rules
    hosts.install(app)          # first: a refused Host reaches neither the bypass nor the wizard
    throttle.warn_if_unshared(app)
    app.log_exception = _log_exception_redacted(app)  # type: ignore[method-assign]
    _install_login(app)
    app.before_request(require_admin)
    app.after_request(security_headers)
    _install_error_pages(app)
    app.context_processor(template_globals)
    app.jinja_env.filters.update(
        reltime=fmt.reltime, localtime=fmt.localtime, bytes=fmt.human_bytes, duration=fmt.human_duration,
        isotime=fmt.isotime, nl2br=web.nl2br, plural=fmt.plural,
    )
    app.jinja_env.globals.update(now=clock.now, url_is_active=web.active_nav)


def _log_exception_redacted(app: Flask):
    def log_exception(exc_info):
        # Flask's own line names the path, which may carry a token (a person's link, a ping).
        app.logger.error("Exception on %s [%s]", redact.path(request.path), request.method, exc_info=exc_info)
    return log_exception


# -- who is signed in ------------------------------------------------------------------------------

def _install_login(app: Flask) -> None:
    login_manager.session_protection = None   # the server-side session row is the protection
    proxy_header.install(app)                 # before require_admin: the proxy may have signed them in
    login_manager.user_loader(load_user)
    login_manager.request_loader(bypass_user)
    login_manager.unauthorized_handler(_to_login)


def load_user(session_id: str):
    return auth_service.load_session(session_id)


def bypass_user(req):
    # Local-network bypass: remote_addr is only the real client when ProxyFix trusts exactly
    # the configured hops, so a forged X-Forwarded-For cannot reach this.
    if auth_service.is_bypass_address(client_address()):
        user = auth_service.first_admin()
        if user is not None:
            g.bypass = True
            return user
    return None


# -- deny by default -------------------------------------------------------------------------------

def require_admin():
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if view is None or request.endpoint == "static" or getattr(view, "is_public", False):
        return None
    if request.blueprint == "api":          # authenticated by X-Api-Key in api_bp
        return None
    if current_user.is_authenticated and current_user.is_admin:
        return None
    if current_user.is_authenticated:
        return make_response(render_template("error.html", code=403, title=gettext("Not for you"),
                                             message=gettext("This page is for the server's admin.")), 403)
    if not auth_service.has_admin():
        return redirect(url_for("settings.wizard"))
    return _to_login()


# -- response headers ------------------------------------------------------------------------------

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
    _cache_control(h, response.status_code)
    return response


def _cache_control(h, status: int) -> None:
    if request.path.startswith("/static/vendor/") and status == 200:
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


# -- error pages -----------------------------------------------------------------------------------

# code: (JSON error under /api/ and /webhooks/, page title, page message)
_ERRORS = {
    404: ("not found", N_("Not found"), N_("There is nothing at this address.")),
    405: ("method not allowed", N_("Not allowed"), N_("That action is not available here.")),
    413: ("request body too large", N_("Too large"), N_("That upload is too large.")),
}


def _install_error_pages(app: Flask) -> None:
    app.register_error_handler(peewee.DatabaseError, database_error)
    app.register_error_handler(peewee.InterfaceError, database_error)
    app.register_error_handler(CSRFError, csrf_error)
    for code in _ERRORS:
        app.register_error_handler(code, plain_error)
    app.register_error_handler(429, too_many)
    app.register_error_handler(500, server_error)


def _is_machine_path() -> bool:
    return request.path.startswith("/api/v1/") or request.path.startswith("/webhooks/")


def _database_message() -> str:
    state = database_status()
    if state.startswith("needs migration"):
        return gettext("The database is not set up yet. On the server run: %(command)s",
                       command="flask --app wsgi db upgrade")
    if state.startswith("The database file"):
        return state
    return gettext("The database cannot be reached right now. The details are in the server log.")


def database_error(err):
    log.error("database error on %s: %s", redact.path(request.path), err)
    g._login_user = login_manager.anonymous_user()     # the error page must not query again
    message = _database_message()
    if _is_machine_path():
        return jsonify(error="database unavailable"), 503
    if web.is_htmx():
        return web.with_toast("", message, "error", status=200)
    return render_template("error.html", code=503, title=gettext("Not available"), message=message), 503


def csrf_error(err):
    log.info("CSRF rejected on %s: %s", redact.path(request.path), err.description)
    if web.is_htmx():
        response = make_response("", 200)
        response.headers["HX-Refresh"] = "true"
        return response
    return render_template("error.html", code=400, title=gettext("Please try again"),
                           message=gettext("The form expired. Reload the page and send it again.")), 400


def plain_error(err):
    code = err.code
    error, title, message = _ERRORS[code]
    if _is_machine_path():
        return jsonify(error=error), code
    return render_template("error.html", code=code, title=gettext(title), message=gettext(message)), code


def too_many(err):
    if _is_machine_path():
        return jsonify(error="too many requests"), 429
    message = gettext("Too many attempts. Wait a few minutes and try again.")
    if web.is_htmx():
        return web.with_toast("", message, "error", status=200)
    return render_template("error.html", code=429, title=gettext("Slow down"), message=message), 429


def server_error(err):
    if _is_machine_path():
        return jsonify(error="internal error"), 500
    if web.is_htmx():
        return web.with_toast("", gettext("Something went wrong; the details are in the server log."), "error")
    return render_template("error.html", code=500, title=gettext("Something went wrong"),
                           message=gettext("The details are in the server log.")), 500


# -- templates -------------------------------------------------------------------------------------

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
    if request.path.startswith("/api/v1/"):       # /api/reference is a page: it signs in
        return jsonify(error="unauthorized"), 401
    if web.is_htmx():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = login_url
        return response
    return redirect(login_url)
