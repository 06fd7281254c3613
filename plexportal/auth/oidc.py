"""Single sign-on with an OpenID Connect provider: the state, nonce and PKCE verifier of one
sign-in kept in the signed session cookie, and who the returning identity is here.

Who may come in: an identity already linked to an admin; with "link by verified email" on, an
identity whose provider-verified email is an admin's (linked from then on); an identity in the
admin group (a new admin is made for it the first time). Anyone else is refused.
"""
from __future__ import annotations

import hmac
import logging
import re
import secrets
import time

from flask import has_request_context, session, url_for
from peewee import IntegrityError, fn

from plexportal.admin import audit
from plexportal.auth.models import ExternalIdentity, User
from plexportal.db import db
from plexportal.gateways import oidc
from plexportal.lib import clock
from plexportal.settings import service as settings

log = logging.getLogger(__name__)
SESSION_KEY = "oidc"
FLOW_SECONDS = 600


class SignInRefused(ValueError):
    """A sentence for the sign-in page."""


def is_configured() -> bool:
    return bool(settings.get("OIDC_ISSUER") and settings.get("OIDC_CLIENT_ID"))


def client() -> oidc.Client:
    return oidc.Client(issuer=settings.get("OIDC_ISSUER"), client_id=settings.get("OIDC_CLIENT_ID"),
                       client_secret=settings.get("OIDC_CLIENT_SECRET"), scopes=settings.get("OIDC_SCOPES"))


def redirect_uri() -> str:
    """What to register at the provider: the public URL when set, else the address in use."""
    base = settings.get("BASE_URL").rstrip("/")
    if base:
        return base + "/auth/oidc/callback"
    if has_request_context():
        return url_for("auth.oidc_callback", _external=True)
    return "http://<plexportal address>/auth/oidc/callback"


def start(intent: str = "signin", next_url: str = "") -> str:
    """The provider's authorization URL for a new sign-in; raises GatewayError when it is down."""
    provider = oidc.discover(settings.get("OIDC_ISSUER"))
    state, nonce, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    session[SESSION_KEY] = {"s": state, "n": nonce, "v": verifier, "t": time.time(), "i": intent, "next": next_url}
    return oidc.authorization_url(provider, client(), redirect_uri(), state=state, nonce=nonce, code_verifier=verifier)


def finish(args) -> tuple[oidc.Identity, str, str]:
    """Check the callback (state, then the code and ID token at the provider); returns the
    identity, the intent ("signin" | "link") and the page asked for. Raises SignInRefused or GatewayError."""
    flow = session.pop(SESSION_KEY, None)
    if not isinstance(flow, dict) or time.time() - float(flow.get("t") or 0) > FLOW_SECONDS:
        raise SignInRefused("That sign-in link expired or was opened in another browser. Start again.")
    if not hmac.compare_digest(str(args.get("state") or ""), str(flow.get("s") or "")):
        raise SignInRefused("The sign-in answer did not match the sign-in started here (state). Start again.")
    if args.get("error"):
        reason = str(args.get("error_description") or args.get("error"))[:120]
        if args.get("error") == "access_denied":
            raise SignInRefused(f"{_name()} did not let this account into plexportal ({reason}).")
        raise SignInRefused(f"{_name()} ended the sign-in: {reason}.")
    code = str(args.get("code") or "")
    if not code or len(code) > 2048:
        raise SignInRefused(f"{_name()} sent no sign-in code. Start again.")
    provider = oidc.discover(settings.get("OIDC_ISSUER"))
    identity = oidc.exchange(provider, client(), code=code, redirect_uri=redirect_uri(), code_verifier=flow["v"],
                             nonce=flow["n"], now=int(clock.now().timestamp()))
    return identity, flow.get("i") or "signin", flow.get("next") or ""


def _name() -> str:
    return settings.get("OIDC_PROVIDER_NAME") or "The sign-in provider"


def is_admin_member(identity: oidc.Identity) -> bool:
    wanted = settings.get("OIDC_ADMIN_VALUE")
    return bool(wanted) and wanted in identity.values(settings.get("OIDC_ADMIN_CLAIM") or "groups")


def _linked(identity: oidc.Identity) -> ExternalIdentity | None:
    return ExternalIdentity.get_or_none((ExternalIdentity.provider == "oidc") & (ExternalIdentity.issuer == identity.issuer)
                                        & (ExternalIdentity.subject == identity.subject))


def _link(user: User, identity: oidc.Identity) -> None:
    now = clock.now()
    ExternalIdentity.create(user=user, provider="oidc", issuer=identity.issuer, subject=identity.subject,
                            email=identity.email, created_at=now, last_used_at=now)


def account_for(identity: oidc.Identity) -> User:
    """The admin this identity signs in as; raises SignInRefused."""
    who = identity.username or identity.email or identity.subject
    linked = _linked(identity)
    if linked is not None:
        user = linked.user
        if not (user.is_active and user.is_admin):
            raise SignInRefused(f"The plexportal account linked to {who} can no longer sign in.")
        if settings.get("OIDC_ADMIN_VALUE") and not user.has_password and not is_admin_member(identity):
            # An admin the group made (no password of their own): leaving the group ends it.
            raise SignInRefused(f"{who} is no longer in the {settings.get('OIDC_ADMIN_VALUE')} group.")
        ExternalIdentity.update(last_used_at=clock.now(), email=identity.email).where(
            ExternalIdentity.id == linked.id).execute()
        return user
    if settings.get_bool("OIDC_LINK_BY_EMAIL") and identity.email and identity.email_verified:
        admin = (User.select().where((fn.LOWER(User.email) == identity.email.lower()) & (User.role == "admin")
                                     & (User.is_active == True)).order_by(User.id).first())
        if admin is not None:
            with db.atomic():
                _link(admin, identity)
            audit.record("auth.sso_linked", f"{who} at {_name()} linked to {admin.username} by verified email",
                         actor=admin)
            return admin
    if is_admin_member(identity):
        return _new_admin(identity)
    if settings.get_bool("OIDC_LINK_BY_EMAIL") and identity.email and not identity.email_verified:
        raise SignInRefused(f"{_name()} has not verified the email of {who}, so it was not linked to an admin.")
    raise SignInRefused(f"{who} is not an admin here. An admin can link it from their account page"
                        + (f", or add it to the {settings.get('OIDC_ADMIN_VALUE')} group." if settings.get("OIDC_ADMIN_VALUE") else "."))


def _new_admin(identity: oidc.Identity) -> User:
    base = re.sub(r"[^A-Za-z0-9_.@-]", "", identity.username or identity.email.split("@")[0]) or "sso-admin"
    for n in range(1, 50):
        name = base[:140] if n == 1 else f"{base[:140]}-{n}"
        try:
            with db.atomic():
                user = User.create(username=name, email=identity.email or None, role="admin",
                                   display_name=identity.name or "")
                _link(user, identity)
        except IntegrityError:
            linked = _linked(identity)
            if linked is not None:             # the same person signing in twice at once
                return linked.user
            continue
        audit.record("admin.created", f"Admin {name} created on the first single sign-on of {identity.username or identity.email} "
                     f"(member of {settings.get('OIDC_ADMIN_VALUE')})", actor=user)
        return user
    raise SignInRefused("No free user name for this account; create the admin by hand and link it.")


def link(user: User, identity: oidc.Identity) -> str | None:
    """Link the signed-in admin to this identity; a sentence when it cannot be."""
    linked = _linked(identity)
    if linked is not None:
        return None if linked.user_id == user.id else "That account is already linked to another admin."
    with db.atomic():
        _link(user, identity)
    audit.record("auth.sso_linked", f"{user.username} linked their {_name()} account "
                 f"{identity.username or identity.email or identity.subject}", actor=user)
    return None


def unlink(user: User) -> int:
    return ExternalIdentity.delete().where((ExternalIdentity.user == user.id) & (ExternalIdentity.provider == "oidc")).execute()


def identities_of(user: User) -> list[ExternalIdentity]:
    return list(ExternalIdentity.select().where(ExternalIdentity.user == user.id))
