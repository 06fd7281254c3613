"""The one way into a session, whatever the sign-in method (password, passkey, Plex, single
sign-on, a trusted proxy header): the throttle every method is charged through, the second-factor
step between a first factor and the session, and the single function that creates the session,
records it in the audit log and sends the browser on.

Methods are named in the session row (`UserSession.method`): a first factor alone ("password",
"plex"), a first factor with its second ("password+totp", "plex+passkey", "password+recovery"),
or a method that is complete on its own ("passkey", "oidc", "header": `service.COMPLETE`).
"""
from __future__ import annotations

import logging
import time

from flask import current_app, flash, redirect, request, session, url_for
from flask_login import login_user

from plexportal import web
from plexportal.admin import audit
from plexportal.auth import service, throttle
from plexportal.auth.models import Passkey, TotpFactor, User
from plexportal.extensions import client_address
from plexportal.settings import service as settings

log = logging.getLogger(__name__)

FIRST_FACTORS = {"password", "plex"}           # need the second factor when the account has one
PENDING_KEY = "signin_pending"
PENDING_SECONDS = 300                          # time to type the code after the password
PENDING_TRIES = 5                              # wrong codes before the password is asked again

_LABELS = {"password": "password", "plex": "Plex", "passkey": "passkey",
           "oidc": "single sign-on", "header": "proxy sign-in", "totp": "authenticator code",
           "recovery": "recovery code", "setup": "setup wizard"}


def describe(method: str) -> str:
    """'password+totp' -> 'password and authenticator code' (for the account page and the audit log)."""
    parts = [_LABELS.get(p, p) for p in (method or "password").split("+")]
    if parts and parts[0] == "single sign-on":
        parts[0] = provider_label()
    return " and ".join(parts)


def provider_label() -> str:
    return settings.get("OIDC_PROVIDER_NAME") or "single sign-on"


def policy_requires_strong() -> bool:
    return settings.get_bool("REQUIRE_SECOND_FACTOR")


def has_totp(user: User) -> bool:
    return TotpFactor.select().where((TotpFactor.user == user.id) & TotpFactor.confirmed_at.is_null(False)).exists()


def has_passkey(user: User) -> bool:
    return Passkey.select().where(Passkey.user == user.id).exists()


def has_second_factor(user: User) -> bool:
    return has_totp(user) or has_passkey(user)


# -- the throttle ----------------------------------------------------------------------------------

def throttled(method: str, account: int | None = None):
    """`with throttled("totp", user.id) as record_failure:` the sign-in throttle (throttle.LOGIN:
    5 failures per 5 minutes) with a key per method: the client address, plus the account where
    the guessing is against one account (codes after a password). "password" is shared by the
    sign-in form and the current-password check on /auth/password."""
    key = f"{method}:{client_address()}"
    if account is not None:
        key += f":{account}"
    return throttle.LOGIN.attempt(key)


# -- after a first factor --------------------------------------------------------------------------

def begin(user: User, method: str, next_url: str | None = None):
    """A method succeeded for `user`: start the session, or first ask for the second factor."""
    if user.is_admin and method in FIRST_FACTORS and (has_second_factor(user) or policy_requires_strong()):
        session.pop(PENDING_KEY, None)
        session[PENDING_KEY] = {"u": user.id, "m": method, "n": next_url or "", "t": time.time(),
                                "v": user.session_version, "f": 0}
        log.info("%s for %s from %s: second factor asked", method, user.username, client_address())
        return web.hx_redirect(url_for("auth.second_factor"))
    return finish(user, method, next_url)


def pending() -> tuple[User, dict] | None:
    """The account waiting for its second factor in this browser, or None (none, expired, or the
    account changed since: password reset, disabled, no longer an admin)."""
    data = session.get(PENDING_KEY)
    if not isinstance(data, dict):
        return None
    if time.time() - float(data.get("t") or 0) > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        return None
    user = User.get_or_none(User.id == data.get("u"))
    if user is None or not user.is_active or not user.is_admin or user.session_version != data.get("v"):
        session.pop(PENDING_KEY, None)
        return None
    return user, data


def pending_failed() -> bool:
    """Count a wrong code; True when this sign-in has used up its tries (the password is asked again)."""
    data = dict(session.get(PENDING_KEY) or {})
    data["f"] = int(data.get("f") or 0) + 1
    if data["f"] >= PENDING_TRIES:
        session.pop(PENDING_KEY, None)
        return True
    session[PENDING_KEY] = data
    return False


def complete_pending(user: User, data: dict, second: str) -> str:
    """The second factor was right: the session, named after both factors. Returns where to go."""
    session.pop(PENDING_KEY, None)
    return complete(user, f"{data.get('m') or 'password'}+{second}", data.get("n") or None)



# -- the session -----------------------------------------------------------------------------------

def landing(user: User) -> str:
    """Where a method sends its user when no page was asked for: admins to the dashboard, the
    people on the server to their own page."""
    if user.is_admin:
        return url_for("admin.dashboard")
    if "notify.user_page" in current_app.view_functions:
        return url_for("notify.user_page")
    return "/"


def start(user: User, method: str) -> str:
    """Create the session row and sign this browser in; returns the session id. Every method ends here."""
    previous = session.get("_user_id")
    if previous:
        service.end_session(previous)          # signing in again replaces, never adds, a session
    session.clear()                            # a new session on every sign-in (ASVS 7.2.4)
    address = client_address()
    sid = service.start_session(user, address, request.user_agent.string, method=method)
    user.session_id = sid
    login_user(user)
    who = "admin" if user.is_admin else "person"
    log.info("sign-in ok for %s %s by %s from %s", who, user.username, method, address)
    audit.record("auth.signin", f"{user.name} signed in with {describe(method)} from {address}", actor=user)
    return sid


def complete(user: User, method: str, next_url: str | None = None) -> str:
    """Start the session; returns the page to go to (what was asked for, for an admin)."""
    start(user, method)
    return web.safe_next(next_url, landing(user)) if user.is_admin else landing(user)


def finish(user: User, method: str, next_url: str | None = None):
    return web.hx_redirect(complete(user, method, next_url))


def refuse(message: str, status: int = 303):
    """End a redirect-based sign-in (Plex, single sign-on) on the sign-in page with a sentence."""
    flash(message, "error")
    return redirect(url_for("auth.login"), status)
