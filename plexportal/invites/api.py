"""GET /api/v1/invites: invites with their use count and redemptions, filtered by status."""
from __future__ import annotations

from plexportal.api import envelope
from plexportal.api.envelope import BOOL, INT, MAYBE_INT, MAYBE_TEXT, TEXT, TIME, enum, obj
from plexportal.api.views import _api, api_bp
from plexportal.invites import service
from plexportal.invites.models import STATES, Invite, Redemption
from plexportal.lib import clock, fmt

INVITE_STATUSES = ("active", "disabled", "expired", "used up")

REDEMPTION = obj("Someone who used the invite",
                 id=INT, state=enum(STATES), via=enum(("plex", "form", "batch", "request")),
                 plex_username=MAYBE_TEXT, plex_user_id=MAYBE_INT, created_at=TIME, updated_at=TIME)
INVITE = obj("One invite link",
             id=INT, code=TEXT, url={"type": "string", "description": "The public join link"}, label=TEXT,
             status=enum(INVITE_STATUSES), enabled=BOOL, uses=INT,
             max_uses={"type": ["integer", "null"], "description": "null: unlimited"}, expires_at=TIME,
             libraries={"type": "array", "items": TEXT, "description": "Library names it shares"},
             library_ids={"type": "array", "items": INT}, created_at=TIME,
             redemptions={"type": "array", "items": REDEMPTION})


def _redemption(r: Redemption) -> dict:
    return {"id": r.id, "state": r.state, "via": r.via, "plex_username": r.plex_username or None,
            "plex_user_id": r.plex_user_id, "created_at": fmt.isotime(r.created_at),
            "updated_at": fmt.isotime(r.updated_at)}


def _with_status(q, status: str):
    """The same rule as service.invite_status, as a query."""
    now = clock.now()
    expired = Invite.expires_at.is_null(False) & (Invite.expires_at <= now)
    used_up = Invite.max_uses.is_null(False) & (Invite.use_count >= Invite.max_uses)
    if status == "disabled":
        return q.where(~Invite.enabled)
    if status == "expired":
        return q.where(Invite.enabled & expired)
    if status == "used up":
        return q.where(Invite.enabled & ~expired & used_up)
    if status == "active":
        return q.where(Invite.enabled & ~expired & ~used_up)
    return q


@api_bp.get("/invites")
@_api
@envelope.listing("Invites, newest first, with who used them", item=INVITE,
                  filters=[envelope.Choice("status", INVITE_STATUSES, "Only invites in this state")])
def invites(args):
    q = _with_status(Invite.select(), args["status"])
    rows = list(q.order_by(Invite.created_at.desc(), Invite.id.desc()).limit(args.limit).offset(args.offset))
    by_invite: dict[int, list] = {i.id: [] for i in rows}
    if rows:
        for r in Redemption.select().where(Redemption.invite.in_(list(by_invite))).order_by(Redemption.created_at):
            by_invite[r.invite_id].append(_redemption(r))
    return q.count(), [{
        "id": i.id, "code": i.code, "url": service.join_url(i), "label": i.label, "status": service.invite_status(i),
        "enabled": i.enabled, "uses": i.use_count, "max_uses": i.max_uses, "expires_at": fmt.isotime(i.expires_at),
        "libraries": service.library_titles(i.libraries) if i.libraries else [], "library_ids": i.libraries,
        "created_at": fmt.isotime(i.created_at), "redemptions": by_invite[i.id]} for i in rows]
