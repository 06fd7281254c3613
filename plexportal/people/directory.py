"""Reading people: the People page, a person's page, the API and the CLI.

A person's standing comes from what the other areas recorded about them (their Plex access rows
and invite redemptions, their Seerr and Jellyfin ids). It is read in a few bulk queries for the
whole list, so the page of a server with thousands of people stays quick.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from peewee import fn

from plexportal.auth.models import User
from plexportal.people.identity import strong_ids

# (key, label) of each state, in the order the filters show them.
STATES = (("access", "With Plex access"), ("waiting", "Invited, waiting"), ("seerr", "Known only from Seerr"),
          ("suspended", "Suspended"), ("removed", "Removed or ended"), ("other", "No access"))
FILTERS = (("all", "Everyone"),) + STATES
PAGE_SIZE = 50
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
WAITING = ("awaiting_approval", "claimed", "invited", "accepted")
SOURCE_LABELS = {"plex": "Plex", "seerr": "Seerr", "jellyfin": "Jellyfin", "invite": "Invite"}


@dataclass
class Standing:
    """What the People page says about one person."""
    state: str = "other"
    label: str = "No access"
    sources: list[str] = field(default_factory=list)
    last_activity: datetime | None = None
    libraries: list[int] | None = None
    expires_at: datetime | None = None


def _later(a, b):
    return b if a is None or (b is not None and b > a) else a


def standings(user_ids: list[int] | None = None) -> dict[int, Standing]:
    """{user id: Standing} for every person (or the given ones), in four queries read as tuples
    (a big server has thousands of people: no per-row queries, no model objects)."""
    from plexportal.invites.models import Access, Redemption
    from plexportal.media.models import MediaRequest

    def only(query, column):
        return query.where(column.in_(user_ids or [0])) if user_ids is not None else query

    users = User.select(User.id, User.plex_user_id, User.seerr_user_id, User.jellyfin_user_id, User.created_at,
                        User.last_login_at)
    users = users.where(User.id.in_(user_ids or [0])) if user_ids is not None else users.where(User.role == "user")
    out: dict[int, Standing] = {}
    for uid, plex_id, seerr_id, jellyfin_id, created, login in users.tuples():
        s = Standing(last_activity=_later(created, login))
        s.sources = [k for k, v in (("plex", plex_id), ("seerr", seerr_id), ("jellyfin", jellyfin_id))
                     if v not in (None, "")]
        out[uid] = s
    if not out:
        return out
    access: dict[int, list] = {}
    for row in only(Access.select(Access.user, Access.status, Access.pending, Access.last_seen_at,
                                  Access.libraries, Access.expires_at).where(Access.user.is_null(False)),
                    Access.user).namedtuples():
        access.setdefault(row.user, []).append(row)
    redemptions: dict[int, list] = {}
    for row in only(Redemption.select(Redemption.user, Redemption.state, Redemption.created_at, Redemption.terms)
                    .where(Redemption.user.is_null(False)), Redemption.user).order_by(Redemption.created_at).namedtuples():
        redemptions.setdefault(row.user, []).append(row)
    requested = dict(only(MediaRequest.select(MediaRequest.requested_by, fn.MAX(MediaRequest.created_at))
                          .where(MediaRequest.requested_by.is_null(False)), MediaRequest.requested_by)
                     .group_by(MediaRequest.requested_by).tuples())
    for uid, s in out.items():
        rows, uses = access.get(uid, []), redemptions.get(uid, [])
        if rows and "plex" not in s.sources:
            s.sources.insert(0, "plex")
        if uses:
            s.sources.append("invite")
        for a in rows:
            s.last_activity = _later(s.last_activity, a.last_seen_at)
        for r in uses:
            s.last_activity = _later(s.last_activity, r.created_at)
        s.last_activity = _later(s.last_activity, requested.get(uid))
        _decide(s, rows, uses)
    return out


def _decide(s: Standing, rows: list, uses: list) -> None:
    statuses = {a.status for a in rows}
    live = [a for a in rows if a.status == "active"]
    if any(not a.pending for a in live):
        a = next(a for a in live if not a.pending)
        s.state, s.label, s.libraries, s.expires_at = "access", "Plex access", a.libraries, a.expires_at
    elif live or any(r.state in WAITING for r in uses):
        waiting = next((r for r in reversed(uses) if r.state in WAITING), None)
        s.state = "waiting"
        s.label = ("Waiting for approval" if waiting is not None and waiting.state == "awaiting_approval"
                   else "Invited, waiting for Plex")
        if waiting is not None:
            s.libraries = (waiting.terms or {}).get("libraries") or []
    elif "suspended" in statuses:
        s.state, s.label = "suspended", "Suspended"
    elif statuses & {"removed", "expired"}:
        s.state, s.label = "removed", "Expired" if "expired" in statuses and "removed" not in statuses else "Removed"
    elif s.sources == ["seerr"]:
        s.state, s.label = "seerr", "Known from Seerr"
    elif uses and uses[-1].state in ("failed", "declined"):
        s.state, s.label = "other", "Invite declined" if uses[-1].state == "declined" else "Invite failed"


@dataclass
class Directory:
    rows: list[tuple[User, Standing]]
    counts: dict[str, int]
    total: int
    page: int
    pages: int


def search_clause(q: str):
    like = f"%{q.strip().lower()}%"
    return ((fn.LOWER(User.username) ** like) | (fn.LOWER(User.email) ** like)
            | (fn.LOWER(User.display_name) ** like) | (fn.LOWER(User.plex_username) ** like))


def directory(show: str = "all", q: str = "", page: int = 1, per_page: int = PAGE_SIZE) -> Directory:
    """One page of people, newest activity first, with the count of each filter (for the search)."""
    if q.strip():                    # admins are on the Admins page
        ids = [uid for (uid,) in User.select(User.id).where((User.role == "user") & search_clause(q)).tuples()]
        all_standings = standings(ids)
    else:
        all_standings = standings()
    counts = {key: 0 for key, _ in FILTERS}
    counts["all"] = len(all_standings)
    for s in all_standings.values():
        counts[s.state] += 1
    chosen = [uid for uid, s in all_standings.items() if show in ("all", s.state)]
    chosen.sort(key=lambda uid: (all_standings[uid].last_activity or EPOCH, uid), reverse=True)
    pages = max(1, -(-len(chosen) // per_page))
    page = min(max(1, page), pages)
    shown = chosen[(page - 1) * per_page: page * per_page]
    users = {u.id: u for u in User.select().where(User.id.in_(shown or [0]))}
    return Directory(rows=[(users[uid], all_standings[uid]) for uid in shown], counts=counts, total=len(chosen),
                     page=page, pages=pages)


def emails_of(user: User) -> list[str]:
    """Every email the person is known by (their row's and those of rows merged into it)."""
    from plexportal.people.models import IdentityKey

    found = [user.email] if user.email else []
    for (key,) in IdentityKey.select(IdentityKey.key).where((IdentityKey.user == user.id)
                                                             & (IdentityKey.kind == "email")).tuples():
        email = key.split(":", 1)[1]
        if email not in found:
            found.append(email)
    return found


@dataclass
class Neighbour:
    user: User
    reason: str


def same_email(user: User) -> list[Neighbour]:
    """Other people using one of this person's emails, and why they are not the same row."""
    emails = emails_of(user)
    if not emails:
        return []
    mine = strong_ids(user.id)
    out = []
    for other in User.select().where((fn.LOWER(User.email).in_(emails)) & (User.id != user.id)).order_by(User.id):
        theirs = strong_ids(other.id)
        differ = [SOURCE_LABELS[k] for k in mine if mine[k] and theirs[k] and not mine[k] & theirs[k]]
        if other.is_admin:
            reason = "an admin is never matched by email"
        elif differ:
            reason = f"not merged: their {' and '.join(differ)} accounts differ (a shared family email?)"
        else:
            reason = "not merged automatically: an email alone does not prove two rows are one person; merge by hand"
        out.append(Neighbour(other, reason))
    return out


ACCESS_WORDS = {"access": "active", "waiting": "waiting", "suspended": "suspended", "seerr": "none", "other": "none"}


def describe(users: list[User]) -> list[dict]:
    """People as the API and the CLI give them (a few queries for the whole list)."""
    from plexportal.invites import service as invites
    from plexportal.media.models import Follower
    from plexportal.notify.models import Notification

    ids = [u.id for u in users]
    found = standings(ids)
    made = dict(Follower.select(Follower.user, fn.COUNT(Follower.id)).where(
        Follower.user.in_(ids or [0]) & (Follower.role == "requester")).group_by(Follower.user).tuples())
    sent = dict(Notification.select(Notification.user, fn.COUNT(Notification.id)).where(
        Notification.user.in_(ids or [0]) & (Notification.status == "sent")).group_by(Notification.user).tuples())
    out = []
    for u in users:
        s = found[u.id]
        status = ACCESS_WORDS.get(s.state) or s.label.lower()
        out.append({"id": u.id, "name": u.name, "emails": emails_of(u), "plex_username": u.plex_username,
                    "plex_user_id": u.plex_user_id, "seerr_user_id": u.seerr_user_id,
                    "jellyfin_user_id": u.jellyfin_user_id, "sources": s.sources,
                    "access": {"status": status,
                               "libraries": (invites.library_titles(s.libraries) if s.libraries else
                                             (["all"] if s.state in ("access", "waiting") else [])),
                               "expires_at": s.expires_at},
                    "requests": made.get(u.id, 0), "messages_sent": sent.get(u.id, 0)})
    return out
