"""Dashboard card: is mail going out? The mail server's state, what waits, what may have arrived
twice, what failed."""
from __future__ import annotations

from peewee import fn

from plexportal.notify import mailserver
from plexportal.notify.models import Notification


def card() -> dict:
    counts = dict(Notification.select(Notification.status, fn.COUNT(Notification.id))
                  .group_by(Notification.status).tuples())
    uncertain = Notification.select().where((Notification.status == "pending")
                                            & Notification.uncertain_at.is_null(False)).count()
    return {"template": "notify/_dashboard_card.html", "mail_down": mailserver.status(),
            "pending": counts.get("pending", 0) + counts.get("sending", 0), "failed": counts.get("failed", 0),
            "sent": counts.get("sent", 0), "uncertain": uncertain}
