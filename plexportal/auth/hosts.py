"""The Host check against DNS rebinding.

A web page on any domain can make the admin's browser send requests to plexportal by resolving its
own name to plexportal's address. The browser then sends that domain as the Host header (and none
of plexportal's cookies), so the one thing such a page gains is network position: the setup wizard
of an unclaimed install and the local-network bypass. Requests whose Host is not an IP literal,
`localhost`, the host of BASE_URL or one listed in ALLOWED_HOSTS are therefore refused with a page
saying which variable to set. Machine endpoints authenticated by their own secret (the API, the
backup ping, iCal feeds, /healthz; webhooks never reach Flask) answer on any host name: Sonarr or
a cron job in a Docker network knows plexportal by its container name.
"""
from __future__ import annotations

import ipaddress
import logging
import re

from flask import Flask, g, render_template, request

from plexportal.extensions import login_manager
from plexportal.settings import service as settings

log = logging.getLogger(__name__)
HOST_RE = re.compile(r"^(\*\.)?[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?)*$")


def any_host(view):
    """Mark a view as answering on any Host (it authenticates with a secret of its own)."""
    view.any_host = True
    return view


def hostname(host_header: str) -> str:
    """The name part of a Host header: lower case, without port or trailing dot ('' when malformed)."""
    host = (host_header or "").strip().lower()
    if host.startswith("["):                          # [::1]:8000
        end = host.find("]")
        return host[:end + 1] if end > 0 else ""
    name, _, port = host.rpartition(":") if host.count(":") == 1 else (host, "", "")
    if port and not port.isdigit():
        return ""
    return name.rstrip(".")


def is_ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def allowed_names() -> list[str]:
    """ALLOWED_HOSTS entries and the host of BASE_URL (lower case; '*.example.com' patterns kept)."""
    from urllib.parse import urlsplit


    names = [n.strip().lower().rstrip(".") for n in settings.get("ALLOWED_HOSTS").replace(",", " ").split()]
    base = urlsplit(settings.get("BASE_URL")).hostname
    if base:
        names.append(base.lower().rstrip("."))
    return [n for n in names if n]


def is_allowed(host_header: str) -> bool:
    name = hostname(host_header)
    if not name:
        return False
    if is_ip_literal(name) or name == "localhost" or name.endswith(".localhost"):
        return True
    for allowed in allowed_names():
        if name == allowed or (allowed.startswith("*.") and name.endswith(allowed[1:])):
            return True
    return False


def problem(text: str) -> str | None:
    """Validation of the ALLOWED_HOSTS setting."""
    for part in text.replace(",", " ").split():
        if not HOST_RE.match(part.lower().rstrip(".")):
            return f"“{part[:60]}” is not a host name (e.g. portal.example.com or *.example.com; no port, no http://)."
    return None


def install(app: Flask) -> None:
    @app.before_request
    def check_host():
        view = app.view_functions.get(request.endpoint) if request.endpoint else None
        if request.blueprint == "api" or request.endpoint == "static" or getattr(view, "any_host", False):
            return None         # static files carry nothing: the refusal page itself needs its CSS
        if is_allowed(request.host):
            return None
        # The refusal page is rendered for nobody: not the bypass's admin, whoever the address.
        g._login_user = login_manager.anonymous_user()
        shown = hostname(request.host)[:100] or (request.host or "")[:100]
        log.warning("refused a request for host %r from %s (not in ALLOWED_HOSTS or BASE_URL)",
                    shown, request.remote_addr)
        message = (f"plexportal was reached as “{shown}”, a name it has not been told about, so the request "
                   "was refused (this protects the sign-in and setup pages from other web sites). If this is "
                   "how you reach plexportal, set PLEXPORTAL_ALLOWED_HOSTS (or PLEXPORTAL_BASE_URL) to it on the "
                   "server, or add it under Settings → Security → Allowed host names while using the IP "
                   "address.")
        return render_template("error.html", code=400, title="Unknown address", message=message), 400
