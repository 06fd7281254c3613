"""GET /api/v1/notifications: the outbox, filtered and paged (never a channel URL or a body)."""
from __future__ import annotations

from flask import jsonify, request

from plexportal.api.views import _api, api_bp, paging
from plexportal.lib import fmt
from plexportal.notify import mailserver, outbox


@api_bp.get("/notifications")
@_api
def notifications():
    f = outbox.Filters.from_args(request.args)
    limit, offset = paging()
    rows = list(outbox.query(f).limit(limit + 1).offset(offset))
    down = mailserver.status()
    mail_server = {"reachable": down is None, "down_since": fmt.isotime(down["down_since"]) if down else None,
                   "error": down["error"] if down else "",
                   "next_probe_at": fmt.isotime(down["next_probe_at"]) if down else None}
    return jsonify(notifications=[outbox.as_dict(n) for n in rows[:limit]], limit=limit, offset=offset,
                   has_more=len(rows) > limit, mail_server=mail_server)
