"""Dashboard card: requests by state, messages today, what needs attention, each monitor's last run."""
from __future__ import annotations

from datetime import datetime, time

from plexportal.health import service
from plexportal.health.models import DownloadWatch, IssueFix
from plexportal.lib import clock
from plexportal.media import service as media
from plexportal.notify import service as notify
from plexportal.notify.models import Notification
from plexportal.settings import service as settings


def card() -> dict:
    tz = clock.zone(settings.get("TIMEZONE"))
    midnight = datetime.combine(clock.now().astimezone(tz).date(), time()).replace(tzinfo=tz)
    # Counts shared with the requests and mail cards, each read from a status index and capped.
    by_state = {s: media.count_label(n) for s, n in media.request_counts().items() if n}
    outbox = notify.outbox_counts()
    sent = Notification.select().where((Notification.status == "sent") & (Notification.sent_at >= midnight)).count()
    waiting, failed = outbox["pending"] + outbox["collecting"], outbox["failed"]
    review = IssueFix.select().where(IssueFix.state.in_(["review", "retry"])).count()
    stuck = DownloadWatch.select().where(DownloadWatch.alerted_at.is_null(False)).count()
    rows = service.overview()
    broken = [r for r in rows if r["last"] is not None and r["last"].status == "error"]
    return {"template": "health/_dashboard_card.html", "by_state": by_state, "sent_today": sent,
            "waiting": waiting, "waiting_label": notify.outbox_count_label(waiting), "failed": failed,
            "failed_label": notify.outbox_count_label(failed), "review": review, "stuck": stuck, "rows": rows,
            "broken": broken, "paused": service.pause_reason(),
            "attention": failed + review + stuck + len(broken)}
