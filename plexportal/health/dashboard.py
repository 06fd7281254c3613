"""Dashboard card: requests by state, messages today, what needs attention, each monitor's last run."""
from __future__ import annotations

from datetime import datetime, time

from peewee import fn

from plexportal.health import service
from plexportal.health.models import DownloadWatch, IssueFix
from plexportal.lib import clock
from plexportal.media.models import MediaRequest
from plexportal.notify.models import Notification
from plexportal.settings import service as settings


def card() -> dict:
    tz = clock.zone(settings.get("TIMEZONE"))
    midnight = datetime.combine(clock.now().astimezone(tz).date(), time()).replace(tzinfo=tz)
    by_state = dict(MediaRequest.select(MediaRequest.status, fn.COUNT(MediaRequest.id))
                    .group_by(MediaRequest.status).tuples())
    sent = Notification.select().where((Notification.status == "sent") & (Notification.sent_at >= midnight)).count()
    waiting = Notification.select().where(Notification.status.in_(["pending", "collecting"])).count()
    failed = Notification.select().where(Notification.status == "failed").count()
    review = IssueFix.select().where(IssueFix.state.in_(["review", "retry"])).count()
    stuck = DownloadWatch.select().where(DownloadWatch.alerted_at.is_null(False)).count()
    rows = service.overview()
    broken = [r for r in rows if r["last"] is not None and r["last"].status == "error"]
    return {"template": "health/_dashboard_card.html", "by_state": by_state, "sent_today": sent,
            "waiting": waiting, "failed": failed, "review": review, "stuck": stuck, "rows": rows,
            "broken": broken, "paused": service.pause_reason(),
            "attention": failed + review + stuck + len(broken)}
