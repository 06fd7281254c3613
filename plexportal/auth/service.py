"""Admin accounts, passwords and server-side sessions."""
from __future__ import annotations

import ipaddress
import logging
import secrets
from datetime import timedelta

from plexportal.auth.models import AdminAccount, Passkey, RecoveryCode, TotpFactor, User, UserSession
from plexportal.config import is_local_network, parse_cidrs
from plexportal.db import db, is_sqlite
from plexportal.lib import clock
from plexportal.security import hash_password, needs_rehash, password_problem, verify_password
from plexportal.settings import service as settings

_dummy_hash: str | None = None


def _dummy() -> str:
    """A real hash to verify against when the user does not exist, so timing stays equal. Made on
    first use: hashing costs tens of MB and a fraction of a second, which every CLI command and
    worker start would otherwise pay."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = hash_password(secrets.token_urlsafe(16))
    return _dummy_hash


class AuthError(ValueError):
    pass


def has_admin() -> bool:
    return User.select().where(User.role == "admin").exists()


def create_admin(username: str, password: str, email: str | None = None) -> User:
    username = (username or "").strip()
    if not username or len(username) > 150 or any(c.isspace() for c in username):
        raise AuthError("Choose a user name without spaces (at most 150 characters).")
    problem = password_problem(password)
    if problem:
        raise AuthError(problem)
    email = (email or "").strip() or None
    with db.atomic():
        if User.select().where(User.username == username).exists():
            raise AuthError(f"A user named {username} already exists.")
        user = User.create(username=username, email=email, role="admin")
        AdminAccount.create(user=user, password_hash=hash_password(password), password_changed_at=clock.now())
        return user


class AdminExists(AuthError):
    pass


_SETUP_LOCK = 0x706C6578          # pg_advisory_xact_lock key for the setup wizard ("plex")


def create_first_admin(username: str, password: str, email: str | None = None) -> User:
    """The setup wizard's admin: created only while there is none, however many tabs submit at
    once. The check and the insert share one transaction that holds the write lock first (SQLite:
    BEGIN IMMEDIATE; PostgreSQL: an advisory lock), so a second submission waits, then sees the admin."""

    with db.atomic():
        if not is_sqlite():
            db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_SETUP_LOCK,))
        if has_admin():
            raise AdminExists("The admin account already exists: sign in instead.")
        return create_admin(username, password, email)


def user_exists(username: str) -> bool:
    return User.select().where(User.username == username).exists()


def authenticate(username: str, password: str) -> User | None:
    user = User.get_or_none((User.username == (username or "").strip()) & (User.role == "admin"))
    stored = password_hash_of(user) if user is not None else None
    if user is None or not stored or not user.is_active:
        verify_password(_dummy(), password or "")
        return None
    if not verify_password(stored, password or ""):
        return None
    if needs_rehash(stored):
        AdminAccount.update(password_hash=hash_password(password)).where(AdminAccount.user == user.id).execute()
    return user


def password_hash_of(user: User) -> str | None:
    """The stored password hash of a person's admin sign-in, or None (no account, or no password)."""
    account = AdminAccount.get_or_none(AdminAccount.user == user.id)
    return account.password_hash if account is not None else None


def set_password(user: User, password: str) -> None:
    """Change the password and end every session of that user."""
    problem = password_problem(password)
    if problem:
        raise AuthError(problem)
    with db.atomic():
        hashed, now = hash_password(password), clock.now()
        if not AdminAccount.update(password_hash=hashed, password_changed_at=now).where(
                AdminAccount.user == user.id).execute():
            AdminAccount.create(user=user.id, password_hash=hashed, password_changed_at=now)
        User.update(session_version=User.session_version + 1).where(User.id == user.id).execute()
        UserSession.delete().where(UserSession.user == user.id).execute()


def clear_second_factors(user: User) -> str:
    """Remove the authenticator app, recovery codes and passkeys of a user (a lost phone) and end
    every session; returns what was removed, in words."""

    with db.atomic():
        totp = TotpFactor.delete().where(TotpFactor.user == user.id).execute()
        codes = RecoveryCode.delete().where(RecoveryCode.user == user.id).execute()
        keys = Passkey.delete().where(Passkey.user == user.id).execute()
        User.update(session_version=User.session_version + 1).where(User.id == user.id).execute()
        UserSession.delete().where(UserSession.user == user.id).execute()
    return (f"{'an authenticator app' if totp else 'no authenticator app'}, {codes} recovery code(s), "
            f"{keys} passkey(s)")


def start_session(user: User, ip: str, user_agent: str, method: str = "password") -> str:
    sid = secrets.token_urlsafe(32)
    now = clock.now()
    with db.atomic():
        UserSession.create(id=sid, user=user, created_at=now, last_seen_at=now, ip=ip[:64],
                           user_agent=(user_agent or "")[:300], method=method[:32])
        User.update(last_login_at=now).where(User.id == user.id).execute()
    return sid


def end_session(sid: str) -> None:
    UserSession.delete().where(UserSession.id == sid).execute()


def sessions_of(user: User) -> list[UserSession]:
    """The user's live sessions, newest activity first (expired rows are skipped, not shown)."""
    cutoff = clock.now() - session_lifetime()
    return list(UserSession.select().where((UserSession.user == user.id) & (UserSession.last_seen_at >= cutoff))
                .order_by(UserSession.last_seen_at.desc()))


def end_other_sessions(user: User, keep: str | None) -> int:
    """Sign out every other browser of this user; returns how many sessions ended."""
    query = UserSession.delete().where(UserSession.user == user.id)
    if keep:
        query = query.where(UserSession.id != keep)
    return query.execute()


def session_lifetime() -> timedelta:
    return timedelta(minutes=settings.get_int("SESSION_LIFETIME_MINUTES"))


def load_session(sid: str) -> User | None:
    """The user of a live session, sliding its idle timer; None when ended or expired."""
    row = (UserSession.select(UserSession, User).join(User)
           .where(UserSession.id == sid).first())
    if row is None or not row.user.is_active:
        return None
    if row.user.is_admin and not _strong_enough(row.method):
        end_session(sid)                       # "require a second factor" was switched on since
        return None
    now = clock.now()
    if now - row.last_seen_at > session_lifetime():
        end_session(sid)
        return None
    if now - row.last_seen_at > timedelta(minutes=1):
        UserSession.update(last_seen_at=now).where(UserSession.id == sid).execute()
    user = row.user
    user.session_id = sid
    return user


def _strong_enough(method: str) -> bool:
    if not settings.get_bool("REQUIRE_SECOND_FACTOR"):
        return True
    from plexportal.auth.signin import is_strong  # signin builds on this module

    return is_strong(method)


_refused_networks: set[str] = set()


def bypass_networks() -> list:
    """The bypass networks in effect: only local ones, whatever the environment says (the page
    refuses others; PLEXPORTAL_LOCAL_BYPASS_CIDRS is not checked by it)."""
    text = settings.get("LOCAL_BYPASS_CIDRS")
    if not text:
        return []
    try:
        nets = parse_cidrs(text)
    except ValueError:
        return []
    local = [n for n in nets if is_local_network(n)]
    for n in nets:
        if n not in local and str(n) not in _refused_networks:
            _refused_networks.add(str(n))
            logging.getLogger(__name__).warning("LOCAL_BYPASS_CIDRS: %s is not a local network and is ignored", n)
    return local


def is_bypass_address(addr: str | None) -> bool:
    if not addr:
        return False
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in net for net in bypass_networks())


def first_admin() -> User | None:
    return User.select().where((User.role == "admin") & (User.is_active == True)).order_by(User.id).first()
