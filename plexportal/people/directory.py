"""Reading people: the People page, a person's page, the API and the CLI.

A person's standing comes from what the other areas recorded about them (their Plex access rows
and invite redemptions, their Seerr and Jellyfin ids). It is read in a few bulk queries for the
whole list, so the page of a server with thousands of people stays quick.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from peewee import JOIN, SQL, Case, fn

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


def _ranked(q: str = ""):
    """Everyone on the People page (not the admins) as (id, standing, activity) rows, computed in
    the database: the access rows and invite uses summed up per person in one pass each, and the
    last request a look-up per person in the (requester, created) index, so a server's history of
    requests costs nothing here. `standing` is `_decide`'s state; `activity` is what
    `Standing.last_activity` is, with nothing known as 1970."""
    import peewee

    from plexportal.db import db
    from plexportal.invites.models import Access, Redemption
    from plexportal.media.models import MediaRequest

    def flag(condition):
        return fn.MAX(Case(None, [(condition, 1)], 0))

    access = (Access.select(Access.user.alias("uid"),
                            flag((Access.status == "active") & (Access.pending == False)).alias("live"),
                            flag(Access.status == "active").alias("active"),
                            flag(Access.status == "suspended").alias("suspended"),
                            flag(Access.status.in_(("removed", "expired"))).alias("removed"),
                            fn.MAX(Access.last_seen_at).alias("seen"))
              .where(Access.user.is_null(False)).group_by(Access.user).alias("a"))
    uses = (Redemption.select(Redemption.user.alias("uid"), flag(Redemption.state.in_(WAITING)).alias("waiting"),
                              fn.MAX(Redemption.created_at).alias("used"))
            .where(Redemption.user.is_null(False)).group_by(Redemption.user).alias("r"))
    Req = MediaRequest.alias("req")
    requested = (Req.select(Req.created_at).where(Req.requested_by == User.id)
                 .order_by(Req.created_at.desc()).limit(1))
    only_seerr = (User.seerr_user_id.is_null(False) & User.plex_user_id.is_null()
                  & (User.jellyfin_user_id.is_null() | (User.jellyfin_user_id == ""))
                  & access.c.uid.is_null() & uses.c.uid.is_null())
    standing = Case(None, [(access.c.live == 1, "access"),
                           ((access.c.active == 1) | (uses.c.waiting == 1), "waiting"),
                           (access.c.suspended == 1, "suspended"),
                           (access.c.removed == 1, "removed"),
                           (only_seerr, "seerr")], "other")
    epoch = SQL("'1970-01-01 00:00:00'")
    latest = fn.GREATEST if isinstance(db.obj, peewee.PostgresqlDatabase) else fn.MAX
    activity = latest(*(fn.COALESCE(v, epoch) for v in (User.created_at, User.last_login_at, access.c.seen,
                                                          uses.c.used, requested)))
    where = User.role == "user"
    if q.strip():
        where &= search_clause(q)
    return (User.select(User.id.alias("uid"), standing.alias("standing"), activity.alias("activity"))
            .join(access, JOIN.LEFT_OUTER, on=(access.c.uid == User.id))
            .join(uses, JOIN.LEFT_OUTER, on=(uses.c.uid == User.id), src=User)
            .where(where))


def directory(show: str = "all", q: str = "", page: int = 1, per_page: int = PAGE_SIZE) -> Directory:
    """One page of people, newest activity first, with the count of each filter (for the search).

    Two statements over everyone (the count of each standing; the page's ids in order), then the
    page's 50 people read in full: the cost follows the number of people, never their history."""
    ranked = _ranked(q)                       # admins are on the Admins page
    counts = {key: 0 for key, _ in FILTERS}
    for state, n in ranked.select_from(ranked.c.standing, fn.COUNT(SQL("*"))).group_by(ranked.c.standing).tuples():
        counts[state] = n
    counts["all"] = sum(counts[key] for key, _ in STATES)
    total = counts["all"] if show == "all" else counts.get(show, 0)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    chosen = ranked.select_from(ranked.c.uid)
    if show != "all":
        chosen = chosen.where(ranked.c.standing == show)
    shown = [uid for (uid,) in chosen.order_by(ranked.c.activity.desc(), ranked.c.uid.desc())
             .limit(per_page).offset((page - 1) * per_page).tuples()]
    found = standings(shown)
    users = {u.id: u for u in User.select().where(User.id.in_(shown or [0]))}
    return Directory(rows=[(users[uid], found[uid]) for uid in shown], counts=counts, total=total,
                     page=page, pages=pages)


def emails_of(user: User) -> list[str]:
    """Every email the person is known by (their row's and those of rows merged into it)."""
    return emails_of_all([user])[user.id]


def emails_of_all(users: list[User]) -> dict[int, list[str]]:
    """{user id: emails_of(user)} for many people in one query."""
    from plexportal.people.models import IdentityKey

    found = {u.id: [u.email] if u.email else [] for u in users}
    for uid, key in (IdentityKey.select(IdentityKey.user, IdentityKey.key)
                     .where(IdentityKey.user.in_(list(found) or [0]) & (IdentityKey.kind == "email"))
                     .order_by(IdentityKey.id).tuples()):
        email = key.split(":", 1)[1]
        if email not in found[uid]:
            found[uid].append(email)
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
    emails = emails_of_all(users)
    made = dict(Follower.select(Follower.user, fn.COUNT(Follower.id)).where(
        Follower.user.in_(ids or [0]) & (Follower.role == "requester")).group_by(Follower.user).tuples())
    sent = dict(Notification.select(Notification.user, fn.COUNT(Notification.id)).where(
        Notification.user.in_(ids or [0]) & (Notification.status == "sent")).group_by(Notification.user).tuples())
    out = []
    for u in users:
        s = found[u.id]
        status = ACCESS_WORDS.get(s.state) or s.label.lower()
        out.append({"id": u.id, "name": u.name, "emails": emails[u.id], "plex_username": u.plex_username,
                    "plex_user_id": u.plex_user_id, "seerr_user_id": u.seerr_user_id,
                    "jellyfin_user_id": u.jellyfin_user_id, "sources": s.sources,
                    "access": {"status": status,
                               "libraries": (invites.library_titles(s.libraries) if s.libraries else
                                             (["all"] if s.state in ("access", "waiting") else [])),
                               "expires_at": s.expires_at},
                    "requests": made.get(u.id, 0), "messages_sent": sent.get(u.id, 0)})
    return out
