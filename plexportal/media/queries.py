"""Read-side helpers shared by the pages, the API, the dashboard card and the user page section."""
from __future__ import annotations

from peewee import JOIN, fn

from plexportal.auth.models import User
from plexportal.db import UTCDateTimeField
from plexportal.lib import fmt
from plexportal.media.models import Announcement, Arrival, Follower, MediaRequest, WebhookEvent

# Up to this many people, a form lists them to choose from; beyond, it asks for a username or
# email (a list of 5,000 names is hundreds of kilobytes on every page view).
PEOPLE_LIST_MAX = 200


def people_to_pick(query) -> list[User] | None:
    """The people of `query` for a form's list, or None when there are too many to list."""
    rows = list(query.limit(PEOPLE_LIST_MAX + 1))
    return None if len(rows) > PEOPLE_LIST_MAX else rows


def person_named(text: str) -> User | None:
    """The person a typed username or email names (case-insensitive), or None."""
    text = (text or "").strip().lower()[:254]
    if not text:
        return None
    return (User.select().where((fn.LOWER(User.username) == text) | (fn.LOWER(User.email) == text))
            .order_by(User.id).first())


def requests_query(filters: dict):
    q = (MediaRequest.select(MediaRequest, User).join(User, JOIN.LEFT_OUTER, on=(MediaRequest.requested_by == User.id))
         .order_by(MediaRequest.created_at.desc(), MediaRequest.id.desc()))
    if filters.get("status"):
        q = q.where(MediaRequest.status == filters["status"])
    if filters.get("type") in ("tv", "movie"):
        q = q.where(MediaRequest.media_type == filters["type"])
    if str(filters.get("user") or "").isdecimal() and len(str(filters["user"])) < 10:   # beyond: no such user
        uid = int(filters["user"])
        q = q.where((MediaRequest.requested_by == uid)
                    | MediaRequest.id.in_(Follower.select(Follower.request).where(Follower.user == uid)))
    return q


def _skip(page: int, size: int) -> int:
    """Rows before page `page`. Each page reads one row more than it shows, to know whether more
    follow; paginate(page, size + 1) would start every later page one row too far and skip one."""
    return (max(1, page) - 1) * size


def requests_page(filters: dict, page: int, size: int):
    rows = list(requests_query(filters).offset(_skip(page, size)).limit(size + 1))
    ids = [r.id for r in rows]
    followers = dict(Follower.select(Follower.request, fn.COUNT(Follower.id)).where(Follower.request.in_(ids))
                     .group_by(Follower.request).tuples()) if ids else {}
    last = dict(Announcement.select(Announcement.request, fn.MAX(Announcement.at)).where(Announcement.request.in_(ids))
                .group_by(Announcement.request).tuples()) if ids else {}
    for r in rows:
        r.follower_count = followers.get(r.id, 0)
        r.last_announced = fmt_dt(last.get(r.id))
    return rows[:size], len(rows) > size


def fmt_dt(value):
    return UTCDateTimeField().python_value(value) if value is not None else None


def unmatched_arrivals(limit: int = 20) -> list[Arrival]:
    return list(Arrival.select().where(Arrival.request.is_null()).order_by(Arrival.arrived_at.desc()).limit(limit))


def request_context(req: MediaRequest) -> dict:
    followers = list(Follower.select(Follower, User).join(User).where(Follower.request == req)
                     .order_by(Follower.role.desc(), Follower.id))
    following = {f.user_id for f in followers}
    candidates = people_to_pick(User.select().where(User.id.not_in(following) if following else True)
                                .order_by(User.username))
    history = list(Announcement.select(Announcement, User).join(User).where(Announcement.request == req)
                   .order_by(Announcement.at.desc(), Announcement.season, Announcement.episode).limit(200))
    from plexportal.media.models import RequestDecision

    decisions = list(RequestDecision.select().where(RequestDecision.request == req).order_by(RequestDecision.id.desc()))
    return {"req": req, "followers": followers, "candidates": candidates, "history": history,
            "decisions": decisions, "decision": next((d for d in decisions if d.status in ("queued", "done")), None),
            "arrivals": list(Arrival.select().where(Arrival.request == req).order_by(Arrival.season, Arrival.episode))}


def events_page(filters: dict, page: int, size: int):
    q = WebhookEvent.select(WebhookEvent.id, WebhookEvent.source, WebhookEvent.event_type, WebhookEvent.status,
                            WebhookEvent.outcome, WebhookEvent.received_at, WebhookEvent.processed_at)
    if filters.get("source"):
        q = q.where(WebhookEvent.source == filters["source"])
    if filters.get("status"):
        q = q.where(WebhookEvent.status == filters["status"])
    rows = list(q.order_by(WebhookEvent.id.desc()).offset(_skip(page, size)).limit(size + 1))
    return rows[:size], len(rows) > size


def request_json(r: MediaRequest, followers: list | None = None) -> dict:
    return {"id": r.id, "seerr_request_id": r.seerr_request_id, "media_type": r.media_type, "title": r.title,
            "year": r.year, "status": r.status, "ids": {"tmdb": r.tmdb_id, "tvdb": r.tvdb_id, "imdb": r.imdb_id},
            "seasons": r.seasons or [], "requested_by": r.requested_by.name if r.requested_by_id else None,
            "followers": followers if followers is not None else [], "poster_url": r.poster_url,
            "created_at": fmt.isotime(r.created_at), "updated_at": fmt.isotime(r.updated_at)}


def event_json(e: WebhookEvent) -> dict:
    return {"id": e.id, "source": e.source, "event_type": e.event_type, "status": e.status, "outcome": e.outcome,
            "received_at": fmt.isotime(e.received_at), "processed_at": fmt.isotime(e.processed_at)}
