"""Dashboard card: requests waiting, recent arrivals, webhooks that need a look."""
from datetime import timedelta

from plexportal.lib import clock
from plexportal.media.models import Arrival, MediaRequest, WebhookEvent


def card() -> dict:
    from plexportal.media import decisions

    since = clock.now() - timedelta(days=1)
    return {"template": "media/_dashboard_card.html", "waiting": decisions.waiting(),
            "waiting_total": MediaRequest.select().where(MediaRequest.status == "pending").count(),
            "open_requests": MediaRequest.select().where(MediaRequest.status.in_(("pending", "approved"))).count(),
            "arrived_today": Arrival.select().where(Arrival.arrived_at >= since).count(),
            "unmatched": Arrival.select().where(Arrival.request.is_null()).count(),
            "failed_hooks": WebhookEvent.select().where((WebhookEvent.status.in_(("failed", "invalid")))
                                                        & (WebhookEvent.received_at >= since)).count(),
            "last_hook": WebhookEvent.select(WebhookEvent.received_at).order_by(WebhookEvent.id.desc()).first()}
