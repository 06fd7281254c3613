"""Reading the outbox for the Notifications page and the API: filters, paging, plain dicts."""
from __future__ import annotations

from dataclasses import dataclass

from peewee import JOIN

from plexportal.auth.models import User
from plexportal.db import capped_counts, db
from plexportal.lib import fmt
from plexportal.notify.models import STATUSES, Channel, Delivery, Notification, PushSubscription

PAGE_SIZE = 50


# Counts on the Notifications page and the dashboard stop here ("10,000+"): counting a million
# sent messages is a walk through a million index entries on every page view.
COUNT_CAP = 10_000
# Up to this many people, the page offers a list to pick from; beyond, a name or email to type.
PEOPLE_LIST_MAX = 200
NOBODY = -1                 # a typed person that matches nobody: the filter shows nothing


@dataclass
class Filters:
    status: str = ""
    user: int | None = None
    kind: str = ""
    flagged: bool = False
    person: str = ""        # typed name or email (resolved to `user`)

    @classmethod
    def from_args(cls, args) -> Filters:
        status = args.get("status", "")
        user = args.get("user", "")
        person = (args.get("person", "") or "").strip()[:150]
        found = int(user) if str(user).isdecimal() and len(str(user)) < 10 else None
        if found is None and person:
            found = find_person(person)
        return cls(status=status if status in STATUSES else "", user=found,
                   kind=(args.get("kind", "") or "")[:64],
                   flagged=args.get("flagged", "") in ("1", "true", "yes"), person=person)

    def as_args(self) -> dict[str, str | int]:
        out: dict[str, str | int] = {}
        if self.status:
            out["status"] = self.status
        if self.person:
            out["person"] = self.person
        elif self.user is not None:
            out["user"] = self.user
        if self.kind:
            out["kind"] = self.kind
        if self.flagged:
            out["flagged"] = "1"
        return out


def query(f: Filters):
    q = Notification.select(Notification, User).join(User, on=(Notification.user == User.id), join_type=JOIN.LEFT_OUTER)
    if f.status:
        q = q.where(Notification.status == f.status)
    if f.user is not None:
        q = q.where(Notification.user == f.user)
    if f.kind:
        q = q.where(Notification.kind == f.kind)
    if f.flagged:
        q = q.where(Notification.flagged != "")
    return q.order_by(Notification.created_at.desc(), Notification.id.desc())


def page(f: Filters, number: int = 1, size: int = PAGE_SIZE) -> tuple[list[Notification], bool]:
    # One row past the page says whether there is more (paginate(number, size + 1) would start
    # each later page one row too far and skip a message).
    rows = list(query(f).offset((max(1, number) - 1) * size).limit(size + 1))
    return rows[:size], len(rows) > size


# Each kind in the outbox, one step through the kind index per kind ("the smallest kind after the
# last one"): a DISTINCT would read the whole index, a million entries on a big server, and
# PostgreSQL has no skip scan to do this by itself.
_KINDS = ('WITH RECURSIVE k(kind) AS ('
          'SELECT CAST(MIN("kind") AS TEXT) FROM "notification" '
          'UNION ALL SELECT CAST((SELECT MIN(n."kind") FROM "notification" AS n WHERE n."kind" > k.kind) AS TEXT) '
          'FROM k WHERE k.kind IS NOT NULL) '
          'SELECT kind FROM k WHERE kind IS NOT NULL')


def kinds() -> list[str]:
    """The kinds of message in the outbox, in order (each read from the kind index)."""
    return [kind for (kind,) in db.execute_sql(_KINDS).fetchall()]


def find_person(text: str) -> int:
    """The user a typed username or email names (case-insensitive), or NOBODY."""
    from peewee import fn

    text = text.lower()
    user = (User.select(User.id).where((fn.LOWER(User.username) == text) | (fn.LOWER(User.email) == text))
            .order_by(User.id).first())
    return user.id if user is not None else NOBODY


def users_with_messages() -> list[User] | None:
    """People to pick from, or None when there are too many for a list (the page asks for a name)."""
    from peewee import fn

    if User.select().limit(PEOPLE_LIST_MAX + 1).count() > PEOPLE_LIST_MAX:
        return None
    has = fn.EXISTS(Notification.select(Notification.id).where(Notification.user == User.id))
    return list(User.select().where(has).order_by(User.username))


def capped_count(query) -> int:
    """query.count(), but at most COUNT_CAP + 1 (an index range read no further than that)."""
    return query.limit(COUNT_CAP + 1).count()


def counts() -> dict[str, int]:
    """Messages per status, each at most COUNT_CAP + 1 (show with `count_label`). Read once per
    page view: the dashboard's mail and health cards share it."""
    from flask import g, has_request_context

    if has_request_context() and "outbox_counts" in g:
        return g.outbox_counts
    found = dict(zip(STATUSES, capped_counts([Notification.select().where(Notification.status == s) for s in STATUSES],
                                             COUNT_CAP), strict=True))
    if has_request_context():
        g.outbox_counts = found
    return found


def count_label(n: int) -> str:
    return f"{COUNT_CAP:,}+" if n > COUNT_CAP else f"{n:,}"


def destination_label(n: Notification) -> str:
    """What a page may show as the destination: an address, or a channel's name (never its URL)."""
    if n.channel == "apprise":
        ch = Channel.get_or_none(Channel.id == int(n.destination)) if n.destination.isdecimal() and len(n.destination) < 10 else None
        return f"{ch.label} ({ch.service})" if ch else "removed destination"
    if n.channel == "push":
        sub = (PushSubscription.get_or_none(PushSubscription.id == int(n.destination))
               if n.destination.isdecimal() and len(n.destination) < 10 else None)
        return f"{sub.device or 'A browser'} (push)" if sub else "removed device (push)"
    return n.destination


def attempts(n: Notification) -> list[Delivery]:
    return list(Delivery.select().where(Delivery.notification == n.id).order_by(Delivery.at, Delivery.id))


def as_dict(n: Notification) -> dict:
    return {
        "id": n.id, "kind": n.kind, "audience": n.audience, "status": n.status, "channel": n.channel,
        "destination": destination_label(n), "user_id": n.user_id, "subject": n.subject or _payload_title(n),
        "group_key": n.group_key, "items": len((n.payload or {}).get("items") or []),
        "attempts": n.attempts, "last_error": n.last_error, "flagged": n.flagged,
        "may_have_been_delivered": fmt.isotime(n.uncertain_at),
        "send_after": fmt.isotime(n.send_after), "sent_at": fmt.isotime(n.sent_at),
        "created_at": fmt.isotime(n.created_at),
    }


def _payload_title(n: Notification) -> str:
    title = (n.payload or {}).get("title")
    return str(title)[:300] if title else ""
