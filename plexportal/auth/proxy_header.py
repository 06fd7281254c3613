"""Sign-in by a trusted header, for plexportal behind an authenticating proxy (Authelia, an
Authentik outpost, oauth2-proxy): the proxy signs the person in and passes their user name in a
header such as Remote-User.

A header is only words a client can type, so it is believed only when all of these hold:
TRUSTED_HEADER names it, PLEXPORTAL_TRUSTED_PROXIES says there is a proxy in front, and the
connection itself (the TCP peer, which cannot be forged) comes from an address listed in
TRUSTED_HEADER_PROXIES. The name must be an active admin's user name (or email); nobody is created.
"""
from __future__ import annotations

import ipaddress
import logging

from flask import Flask, current_app, g, request, session
from flask_login import current_user
from peewee import fn

from plexportal.auth import signin
from plexportal.auth.models import User
from plexportal.config import parse_cidrs
from plexportal.settings import service as settings

log = logging.getLogger(__name__)
_warned: set[str] = set()


def _peer() -> str:
    """The address of the TCP connection, before ProxyFix rewrote it to the client's."""
    orig = request.environ.get("werkzeug.proxy_fix.orig") or {}
    return orig.get("REMOTE_ADDR") or request.environ.get("REMOTE_ADDR") or ""


def _warn_once(key: str, message: str, *args) -> None:
    if key not in _warned:
        _warned.add(key)
        log.warning(message, *args)


def is_believable() -> bool:
    if current_app.config["PLEXPORTAL"].trusted_proxies < 1:
        _warn_once("proxies", "TRUSTED_HEADER is set but PLEXPORTAL_TRUSTED_PROXIES is 0: the header is ignored")
        return False
    try:
        peer = ipaddress.ip_address(_peer())
        if peer.version == 6 and peer.ipv4_mapped:
            peer = peer.ipv4_mapped
        networks = parse_cidrs(settings.get("TRUSTED_HEADER_PROXIES"))
    except ValueError:
        return False
    if not any(peer in net for net in networks):
        _warn_once(f"peer:{peer}", "a request from %s carried the sign-in header but %s is not in "
                   "TRUSTED_HEADER_PROXIES: ignored", peer, peer)
        return False
    return True


def user_for(name: str) -> User | None:
    name = (name or "").strip()
    if not name or len(name) > 254:
        return None
    user = User.get_or_none((User.username == name) & (User.role == "admin") & (User.is_active == True))
    if user is None and "@" in name:
        user = (User.select().where((fn.LOWER(User.email) == name.lower()) & (User.role == "admin")
                                    & (User.is_active == True)).order_by(User.id).first())
    return user


def install(app: Flask) -> None:
    @app.before_request
    def sign_in_by_header():
        header = settings.get("TRUSTED_HEADER") if request.endpoint not in (None, "static", "health.healthz") else ""
        if not header or request.blueprint == "api":
            return
        value = request.headers.get(header)
        if value is None or not is_believable():
            return
        if current_user.is_authenticated and not getattr(g, "bypass", False) \
                and current_user.username == value.strip():
            return
        user = user_for(value)
        if user is None:
            _warn_once(f"user:{value[:40]}", "the proxy signed in %r, who is not an admin here: no session", value[:40])
            return
        if current_user.is_authenticated and current_user.id == user.id:
            return

        signin.start(user, "header")
        session.modified = True
        return
