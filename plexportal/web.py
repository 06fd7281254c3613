"""The one place that reads HX-* headers, plus small view helpers shared by every area."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, make_response, render_template, request, url_for
from markupsafe import Markup, escape


def is_partial() -> bool:
    """An htmx request that wants a fragment (not a boosted full-page navigation)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def render_page(page: str, fragment: str | None = None, /, status: int = 200, **ctx):
    template = fragment if (fragment and is_partial()) else page
    response = make_response(render_template(template, **ctx), status)
    response.vary.add("HX-Request")
    return response


def hx_redirect(location: str, status: int = 200):
    """Navigate the browser: HX-Redirect for htmx calls, a plain 303 otherwise."""
    if is_htmx():
        response = make_response("", status)
        response.headers["HX-Redirect"] = location
        return response
    response = make_response("", 303)
    response.headers["Location"] = location
    return response


def toast(message: str, kind: str = "ok") -> Markup:
    """An out-of-band toast to append to any htmx response (kind: ok | warn | error)."""
    return Markup(render_template("_toast.html", message=message, kind=kind))  # nosec B704 # autoescaped template


def with_toast(body, message: str, kind: str = "ok", status: int = 200):
    # `body` is HTML the caller rendered; a plain str + Markup would escape it.
    html = Markup(body if isinstance(body, str) else "") + toast(message, kind)  # nosec B704 # body: our rendered HTML
    response = make_response(html, status)
    response.vary.add("HX-Request")
    return response


def public(view):
    """Mark a view as reachable without signing in (every other view needs an admin)."""
    view.is_public = True
    return view


def user_view(view):
    """Mark a view as reachable by a signed-in non-admin or through a signed link (it checks itself)."""
    view.is_public = True
    view.is_user_view = True
    return view


INT_MAX = 2**31 - 1      # what the database's integer columns hold (PostgreSQL's are 32-bit)


def int_arg(name: str, default: int = 0, *, minimum: int = 0, maximum: int = INT_MAX, source=None) -> int:
    """A whole number from the query string (or `source`), kept within [minimum, maximum]: a page
    number or id typed as 99999999999999999999 is an empty page, not an overflow (500)."""
    from flask import request

    value = (source if source is not None else request.args).get(name, default, type=int)
    if value is None:
        value = default
    return min(max(value, minimum), maximum)


def safe_next(target: str | None, fallback: str = "/") -> str:
    """Only same-site relative paths (ASVS 3.7.2): '/x', never '//x' or '/\\x'. Browsers drop tabs
    and newlines from URLs, so '/<TAB>/evil.example' would become '//evil.example': refuse any."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


# Nav entries: (label, endpoint). Shown only when the endpoint exists, so areas appear as they land.
NAV = [
    ("Dashboard", "admin.dashboard"),
    ("Requests", "media.requests"),
    ("Notifications", "notify.notifications"),
    ("Health", "monitors.index"),
    ("Invites", "invites.index"),
    ("Backups", "backups.index"),
    ("People", "people.index"),
    ("Settings", "settings.index"),
]


def nav_items():
    out = []
    for label, endpoint in NAV:
        if endpoint in current_app.view_functions:
            out.append((label, endpoint, url_for(endpoint)))
    return out


# Pages reached from the account menu rather than the nav: they light up no nav entry.
MENU_ENDPOINTS = {"admin.audit_log", "auth.password", "auth.account", "auth.admins"}
# Blueprints without a nav entry of their own, and the entry whose pages they belong to.
NAV_PARENTS = {"maintenance": "monitors.index", "calendar": "monitors.index", "ops": "settings.index"}
# Addresses outside a nav entry's own that belong to it: a person's Plex share (/users/3, in the
# invites area) is part of People.
PATH_PARENTS = {"/users": "people.index"}


def _nav_owner(current: str) -> str | None:
    """The nav entry a page belongs to: the entry whose address is the longest prefix of the
    page's, else one of PATH_PARENTS (so /users/3 lights "People" although it lives in the invites area), else the
    blueprint's parent entry, else the first entry of the same blueprint."""
    path = request.path.rstrip("/")
    best, best_len = None, 0
    for _, endpoint, href in nav_items():
        base = href.rstrip("/")
        if base and (path == base or path.startswith(base + "/")) and len(base) > best_len:
            best, best_len = endpoint, len(base)
    if best:
        return best
    for base, endpoint in PATH_PARENTS.items():
        if (path == base or path.startswith(base + "/")) and endpoint in current_app.view_functions:
            return endpoint
    blueprint = current.split(".")[0]
    if blueprint in NAV_PARENTS:
        return NAV_PARENTS[blueprint]
    same = [e for _, e in NAV if e.split(".")[0] == blueprint]
    return same[0] if same else None


def active_nav(endpoint: str | None) -> bool:
    """Whether the nav entry `endpoint` is the current page's: its own endpoint, else the entry
    the page belongs to (see _nav_owner), so /invites/new lights "Invites", not also "Users"."""
    current = request.endpoint
    if not current or not endpoint or current in MENU_ENDPOINTS:
        return False
    if current == endpoint:
        return True
    if current in [e for _, e in NAV]:
        return False
    return _nav_owner(current) == endpoint


def nl2br(text: str) -> Markup:
    return Markup("<br>".join(escape(line) for line in (text or "").splitlines()))  # nosec B704 # every line escaped
