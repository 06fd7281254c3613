"""Signed links to a user's own page (no password): itsdangerous tokens that carry the user id
and their session_version, so they expire with time and die when the version is bumped.

A page link is a key to the person's page, so it is handed out only on purpose: in messages to
their own email address, and by the admin's "New link". It is never minted as a side effect of
using one (a page, an unsubscribe confirmation, a test message, a chat message), it dies with
`revoke()` ("New link", "Sign out everywhere"), and it stops working while the person's access to
the server is suspended, removed or expired. Unsubscribe links only ever turn email off, so they
survive a new page link (old emails keep their one-click unsubscribe)."""
from __future__ import annotations

from flask import current_app, has_request_context, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from plexportal.settings import service as settings

PAGE_SALT = "plexportal.notify.user-page"
UNSUBSCRIBE_SALT = "plexportal.notify.unsubscribe"


def _serializer(salt: str) -> URLSafeTimedSerializer:
    key = current_app.secret_key
    if not key:
        # create_app always sets one (PLEXPORTAL_SECRET_KEY or the generated one): without it no
        # link could be signed, nor checked.
        raise RuntimeError("the app has no secret key: a person's links cannot be signed")
    return URLSafeTimedSerializer(key, salt=salt)


def _max_age(salt: str) -> int:
    days = settings.get_int("USER_LINK_DAYS")
    # An unsubscribe link in an old email must keep working well past the page link (RFC 8058
    # clients may press it months later); it can only ever turn messages off.
    return days * 86400 * (4 if salt == UNSUBSCRIBE_SALT else 1)


def make_token(user, salt: str = PAGE_SALT) -> str:
    return _serializer(salt).dumps({"u": user.id, "v": user.session_version})


def user_from_token(token: str, salt: str = PAGE_SALT):
    """The active user the token was made for, or None (bad, expired or revoked)."""
    from plexportal.auth.models import User

    if not token or len(token) > 500:
        return None
    try:
        data = _serializer(salt).loads(token, max_age=_max_age(salt))
    except BadSignature:                      # includes SignatureExpired
        return None
    if not isinstance(data, dict):
        return None
    user = User.get_or_none(User.id == data.get("u")) if isinstance(data.get("u"), int) else None
    if user is None or not user.is_active:
        return None
    if salt == UNSUBSCRIBE_SALT:
        return user
    if user.session_version != data.get("v") or _cut_off(user):
        return None
    return user


# Callables saying a person has lost access (suspended, removed, expired), so their links stop
# working; filled from the areas' `access_checks` (the invites area's has_lost_access).
ACCESS_CHECKS: list = []


def _cut_off(user) -> bool:
    return any(check(user) for check in ACCESS_CHECKS)


def revoke(user) -> None:
    """End every page link handed out so far (and the person's sessions, if any)."""
    from plexportal.auth.models import User, UserSession
    from plexportal.db import db

    with db.atomic():
        User.update(session_version=User.session_version + 1).where(User.id == user.id).execute()
        UserSession.delete().where(UserSession.user == user.id).execute()
    user.session_version = User.get_by_id(user.id).session_version


def signed_in_person():
    """The person signed in in this browser (Sign in with Plex), not an admin; else None."""
    if not has_request_context():
        return None
    from flask_login import current_user

    if current_user.is_authenticated and not current_user.is_admin:
        return current_user._get_current_object()
    return None


def person_for(token: str | None):
    """Whose page an action is for: the person of the signed link, else the person signed in."""
    return (user_from_token(token) if token else None) or signed_in_person()


def request_token() -> str:
    """The page token of the current request (a person's own page), to build its forms with:
    a page never mints a new one."""
    if not has_request_context():
        return ""
    return (request.view_args or {}).get("token") or request.form.get("token", "") or ""


def absolute(endpoint: str, **values) -> str:
    """An absolute URL from BASE_URL (emails are built in the worker, where there is no request)."""
    base = settings.get("BASE_URL").rstrip("/")
    if not base and has_request_context():
        return url_for(endpoint, _external=True, **values)
    # Building from the URL map directly: a test request context per link is slow in big batches.
    path = current_app.url_map.bind("localhost", script_name="/").build(endpoint, values)
    return (base or "http://localhost") + path


def user_page_url(user) -> str:
    return absolute("notify.user_page", token=make_token(user))


def unsubscribe_url(user) -> str:
    return absolute("notify.unsubscribe", token=make_token(user, UNSUBSCRIBE_SALT))
