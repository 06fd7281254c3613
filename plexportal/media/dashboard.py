"""Dashboard card: requests waiting, recent arrivals, webhooks that need a look."""
from datetime import timedelta

from plexportal.lib import clock
from plexportal.media import service
from plexportal.media.models import Arrival, WebhookEvent


def card() -> dict:
    from plexportal.media import decisions

    since = clock.now() - timedelta(days=1)
    counts = service.request_counts()              # each read from the status index, capped
    return {"template": "media/_dashboard_card.html", "waiting": decisions.waiting(),
            "waiting_total": service.count_label(counts["pending"]),
            "open_requests": service.count_label(counts["pending"] + counts["approved"]),
            "arrived_today": Arrival.select().where(Arrival.arrived_at >= since).count(),
            "unmatched": Arrival.select().where(Arrival.request.is_null()).count(),
            "failed_hooks": WebhookEvent.select().where((WebhookEvent.status.in_(("failed", "invalid")))
                                                        & (WebhookEvent.received_at >= since)).count(),
            "last_hook": WebhookEvent.select(WebhookEvent.received_at).order_by(WebhookEvent.id.desc()).first()}
