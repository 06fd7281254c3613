"""GET /api/v1/invites: every invite with its use count and redemptions."""
from __future__ import annotations

from flask import jsonify

from plexportal.api.views import _api, api_bp, paging
from plexportal.invites import service
from plexportal.invites.models import Invite, Redemption
from plexportal.lib import fmt


def _redemption(r: Redemption) -> dict:
    return {"id": r.id, "state": r.state, "via": r.via, "plex_username": r.plex_username or None,
            "plex_user_id": r.plex_user_id, "created_at": fmt.isotime(r.created_at),
            "updated_at": fmt.isotime(r.updated_at)}


@api_bp.get("/invites")
@_api
def invites():
    limit, offset = paging()
    rows = list(Invite.select().order_by(Invite.created_at.desc()).limit(limit).offset(offset))
    by_invite: dict[int, list] = {i.id: [] for i in rows}
    if rows:
        for r in Redemption.select().where(Redemption.invite.in_(list(by_invite))).order_by(Redemption.created_at):
            by_invite[r.invite_id].append(_redemption(r))
    return jsonify(total=Invite.select().count(), invites=[{
        "id": i.id, "code": i.code, "url": service.join_url(i), "label": i.label, "status": service.invite_status(i),
        "enabled": i.enabled, "uses": i.use_count, "max_uses": i.max_uses, "expires_at": fmt.isotime(i.expires_at),
        "libraries": service.library_titles(i.libraries) if i.libraries else [], "library_ids": i.libraries,
        "created_at": fmt.isotime(i.created_at), "redemptions": by_invite[i.id]} for i in rows])
