"""GET /api/v1/webhooks and /api/v1/requests (X-Api-Key)."""
from plexportal.api import envelope
from plexportal.api.envelope import INT, MAYBE_INT, MAYBE_TEXT, TEXT, TIME, enum, obj
from plexportal.api.views import _api, api_bp
from plexportal.auth.models import User
from plexportal.media import queries
from plexportal.media.models import EVENT_STATUSES, REQUEST_STATUSES, SOURCES, Follower, WebhookEvent

EVENT = obj("One webhook as received",
            id=INT, source=enum(SOURCES), event_type=TEXT, status=enum(EVENT_STATUSES),
            outcome={"type": "string", "description": "What plexportal did with it, in words"},
            received_at=TIME, processed_at=TIME)
REQUEST = obj("One Seerr request and who follows it",
              id=INT, seerr_request_id=MAYBE_INT, media_type=enum(("tv", "movie")), title=TEXT, year=MAYBE_INT,
              status=enum(REQUEST_STATUSES),
              ids=obj(tmdb=MAYBE_INT, tvdb=MAYBE_INT, imdb=MAYBE_TEXT),
              seasons={"type": "array", "items": INT},
              requested_by={"type": ["string", "null"], "description": "The person's name"},
              followers={"type": "array", "items": TEXT, "description": "Names of the people told when it is ready"},
              poster_url=MAYBE_TEXT, created_at=TIME, updated_at=TIME)


@api_bp.get("/webhooks")
@_api
@envelope.listing("Webhooks received from Sonarr, Radarr and Seerr, newest first", item=EVENT,
                  filters=[envelope.Choice("source", SOURCES, "Which system sent it"),
                           envelope.Choice("status", EVENT_STATUSES, "What became of it"),
                           envelope.Time("since", "Only webhooks received at or after this time")])
def webhooks(args):
    q = WebhookEvent.select().order_by(WebhookEvent.id.desc())
    for key in ("source", "status"):
        if args[key]:
            q = q.where(getattr(WebhookEvent, key) == args[key])
    if args["since"]:
        q = q.where(WebhookEvent.received_at >= args["since"])
    return q.count(), [queries.event_json(e) for e in q.offset(args.offset).limit(args.limit)]


@api_bp.get("/requests")
@_api
@envelope.listing("Requests, newest first, with their followers", item=REQUEST,
                  filters=[envelope.Choice("status", REQUEST_STATUSES, "Only requests in this state"),
                           envelope.Choice("type", ("tv", "movie"), "Only shows or only films"),
                           envelope.Integer("user", "Only requests this person made or follows (their id)")])
def requests(args):
    q = queries.requests_query({k: "" if args[k] is None else str(args[k]) for k in ("status", "type", "user")})
    rows = list(q.offset(args.offset).limit(args.limit))
    names: dict[int, list[str]] = {}
    if rows:
        for f in (Follower.select(Follower, User).join(User).where(Follower.request.in_([r.id for r in rows]))):
            names.setdefault(f.request_id, []).append(f.user.name)
    return q.count(), [queries.request_json(r, names.get(r.id, [])) for r in rows]
