"""GET /api/v1/webhooks and /api/v1/requests (X-Api-Key)."""
from flask import jsonify, request

from plexportal.api.views import _api, api_bp, paging
from plexportal.auth.models import User
from plexportal.media import queries
from plexportal.media.models import Follower, WebhookEvent


@api_bp.get("/webhooks")
@_api
def webhooks():
    limit, offset = paging()
    q = WebhookEvent.select().order_by(WebhookEvent.id.desc())
    for key in ("source", "status"):
        if request.args.get(key):
            q = q.where(getattr(WebhookEvent, key) == request.args[key])
    rows = list(q.offset(offset).limit(limit))
    return jsonify(total=q.count(), limit=limit, offset=offset, results=[queries.event_json(e) for e in rows])


@api_bp.get("/requests")
@_api
def requests():
    limit, offset = paging()
    q = queries.requests_query({k: request.args.get(k, "") for k in ("status", "type", "user")})
    rows = list(q.offset(offset).limit(limit))
    names: dict[int, list[str]] = {}
    if rows:
        for f in (Follower.select(Follower, User).join(User).where(Follower.request.in_([r.id for r in rows]))):
            names.setdefault(f.request_id, []).append(f.user.name)
    return jsonify(total=q.count(), limit=limit, offset=offset,
                   results=[queries.request_json(r, names.get(r.id, [])) for r in rows])
