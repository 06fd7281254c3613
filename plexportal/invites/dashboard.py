"""Dashboard card: the plex.tv connection, invitation numbers and the latest redemptions."""
from __future__ import annotations

from datetime import timedelta

from plexportal.invites import provisioning, service
from plexportal.invites.models import Access, Invite, Redemption
from plexportal.lib import clock


def card() -> dict:
    week = clock.now() - timedelta(days=7)
    invites = list(Invite.select())
    return {
        "template": "invites/_card.html",
        "plex": provisioning.plex_state(),
        "active_links": sum(1 for i in invites if service.is_redeemable(i)),
        "joined_week": Redemption.select().where(Redemption.created_at >= week).count(),
        "people": Access.select().where(Access.status == "active").count(),
        "waiting": Redemption.select().where(Redemption.state == "awaiting_approval").count(),
        "failed": Redemption.select().where(Redemption.state == "failed").count(),
        "recent": list(Redemption.select().order_by(Redemption.created_at.desc()).limit(5)),
    }
