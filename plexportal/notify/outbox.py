"""Reading the outbox for the Notifications page and the API: filters, paging, plain dicts."""
from __future__ import annotations

from dataclasses import dataclass

from peewee import JOIN

from plexportal.auth.models import User
from plexportal.lib import fmt
from plexportal.notify.models import STATUSES, Channel, Delivery, Notification

PAGE_SIZE = 50


@dataclass
class Filters:
    status: str = ""
    user: int | None = None
    kind: str = ""
    flagged: bool = False

    @classmethod
    def from_args(cls, args) -> Filters:
        status = args.get("status", "")
        user = args.get("user", "")
        return cls(status=status if status in STATUSES else "",
                   user=int(user) if str(user).isdecimal() and len(str(user)) < 10 else None,
                   kind=(args.get("kind", "") or "")[:64],
                   flagged=args.get("flagged", "") in ("1", "true", "yes"))

    def as_args(self) -> dict:
        out = {}
        if self.status:
            out["status"] = self.status
        if self.user is not None:
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
    rows = list(query(f).paginate(max(1, number), size + 1))
    return rows[:size], len(rows) > size


def kinds() -> list[str]:
    return [r.kind for r in Notification.select(Notification.kind).distinct().order_by(Notification.kind)]


def users_with_messages() -> list[User]:
    ids = Notification.select(Notification.user).where(Notification.user.is_null(False)).distinct()
    return list(User.select().where(User.id.in_(ids)).order_by(User.username))


def counts() -> dict[str, int]:
    from peewee import fn

    return {r.status: r.n for r in Notification.select(Notification.status, fn.COUNT(Notification.id).alias("n"))
            .group_by(Notification.status)}


def destination_label(n: Notification) -> str:
    """What a page may show as the destination: an address, or a channel's name (never its URL)."""
    if n.channel == "apprise":
        ch = Channel.get_or_none(Channel.id == int(n.destination)) if n.destination.isdecimal() and len(n.destination) < 10 else None
        return f"{ch.label} ({ch.service})" if ch else "removed destination"
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
