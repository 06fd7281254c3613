"""Sign in with Plex on the sign-in page, with the same PIN flow as the join page (the browser makes
the PIN, static/invites.js drives it; plex.tv's answer is read here, by the server).

Who may come in: the owner of the connected server (the account of PLEX_TOKEN) and the Plex
accounts linked to an admin sign in as admin; the people the server is shared with get their own
page; any other Plex account is politely refused.
"""
from __future__ import annotations

import logging
import re
import time

from flask import session, url_for
from peewee import IntegrityError

from plexportal.admin import audit
from plexportal.auth import people
from plexportal.auth.models import User
from plexportal.db import db
from plexportal.gateways import plextv
from plexportal.gateways.base import GatewayError
from plexportal.settings import service as settings

log = logging.getLogger(__name__)
SESSION_KEY = "plex_signin"
PIN_SECONDS = 15 * 60


def client_id() -> str:
    return plextv.client_identifier()


def button_context() -> dict:
    return {"client_id": client_id(), "plex_tv": settings.get("PLEX_TV_URL")}


def remember_pin(pin_id: int, pin_code: str, intent: str, next_url: str = "") -> dict:
    """Keep the PIN in the session (never in a URL: login CSRF) and answer the app.plex.tv URLs."""
    session[SESSION_KEY] = {"id": int(pin_id), "intent": intent, "t": time.time(), "n": next_url}
    forward = url_for("auth.plex_return", _external=True)
    return plextv.auth_urls(settings.get("PLEX_APP_URL"), client_id(), pin_code, forward)


class Outcome:
    def __init__(self, status: str, account: plextv.Account | None = None, intent: str = "signin",  # nosec B107 # token "" means none: no default secret
                 next_url: str = "", message: str = "", token: str = ""):
        self.status = status          # waiting | done | error
        self.account = account
        self.token = token            # the approving account's token: kept only for the setup intent
        self.intent = intent
        self.next_url = next_url
        self.message = message


def check() -> Outcome:
    """Has the PIN of this browser been approved? Reads plex.tv (short timeouts)."""
    data = session.get(SESSION_KEY)
    if not isinstance(data, dict) or time.time() - float(data.get("t") or 0) > PIN_SECONDS:
        session.pop(SESSION_KEY, None)
        return Outcome("error", message="The Plex sign-in expired. Press “Sign in with Plex” again.")
    try:
        approved = plextv.from_store(timeout=(3, 8)).approved_account(int(data["id"]))
    except GatewayError as err:
        if err.permanent:
            session.pop(SESSION_KEY, None)
            log.warning("Sign in with Plex: %s", err.message)
            return Outcome("error", message="plex.tv did not accept this sign-in. Press “Sign in with Plex” again.")
        return Outcome("waiting")
    if approved is None:
        return Outcome("waiting")
    session.pop(SESSION_KEY, None)
    return Outcome("done", approved[1], data.get("intent") or "signin", data.get("n") or "", token=approved[0])


def remember_setup_token(token: str) -> None:
    """The owner signed in with Plex in the setup wizard: their token waits (encrypted, in this
    browser's session) until they pick which of their servers plexportal should use."""
    settings.hold_pending("PLEX_TOKEN", token)


def owner_account_id() -> int | None:
    """The Plex account id of the server's owner (whose token plexportal holds); None if plex.tv
    cannot say right now."""
    if not settings.get("PLEX_TOKEN"):
        return None
    try:
        return plextv.from_store(timeout=(3, 8)).account().id
    except GatewayError as err:
        log.warning("could not read the owner's Plex account: %s", err.message)
        return None


def resolve(account: plextv.Account) -> tuple[str, User | None]:
    """("admin" | "person" | "stranger" | "disabled", user) for a Plex account that signed in."""
    user = User.get_or_none(User.plex_user_id == account.id)
    if user is not None and not user.is_active:
        return "disabled", user
    if user is not None and user.is_admin:
        return "admin", user
    if account.id and account.id == owner_account_id():
        return "admin", _owner_admin(account, user)
    person = people.person_for_plex_account(account.id, account.email, account.username)
    if person is not None and not person.is_admin:
        return "person", person
    return "stranger", None


def _owner_admin(account: plextv.Account, user: User | None) -> User:
    """The owner is always an admin: their person row becomes admin, or an admin row is made."""
    if user is not None:
        User.update(role="admin").where(User.id == user.id).execute()
        audit.record("admin.created", f"{user.name} (the Plex server's owner) signed in with Plex and is now admin",
                     actor=user)
        return User.get_by_id(user.id)
    base = re.sub(r"[^A-Za-z0-9_.@-]", "", account.username or "") or "plex-owner"
    for n in range(1, 50):
        name = base[:140] if n == 1 else f"{base[:140]}-{n}"
        try:
            with db.atomic():
                created = User.create(username=name, email=account.email or None, role="admin",
                                      plex_user_id=account.id, plex_username=account.username or None,
                                      display_name=account.title or "")
        except IntegrityError:
            existing = User.get_or_none(User.plex_user_id == account.id)
            if existing is not None:          # a second tab signed in at the same moment
                return existing
            continue
        audit.record("admin.created", f"Admin {name} created on the first Sign in with Plex of the server's owner",
                     actor=created)
        return created
    raise RuntimeError("no free user name for the Plex owner")


def link(user: User, account: plextv.Account) -> str | None:
    """Link an admin's account to their Plex account; a sentence when it cannot be."""
    other = User.get_or_none(User.plex_user_id == account.id)
    if other is not None and other.id != user.id:
        if other.is_admin:
            return f"That Plex account ({account.username}) already signs in as admin {other.username}."
        return (f"That Plex account ({account.username}) belongs to {other.name}, one of the people on the "
                "server. Make them admin from the Admins page instead.")
    User.update(plex_user_id=account.id, plex_username=account.username or None).where(User.id == user.id).execute()
    audit.record("auth.plex_linked", f"{user.username} linked the Plex account {account.username}", actor=user)
    return None
