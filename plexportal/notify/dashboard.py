"""Dashboard card: is mail going out? The mail server's state, what waits, what may have arrived
twice, what failed."""
from __future__ import annotations

from plexportal.notify import mailserver, outbox
from plexportal.notify.models import Notification


def card() -> dict:
    counts = outbox.counts()              # each read from the status index, capped
    uncertain = outbox.capped_count(Notification.select(Notification.id).where(
        (Notification.status == "pending") & Notification.uncertain_at.is_null(False)))
    label = outbox.count_label
    return {"template": "notify/_dashboard_card.html", "mail_down": mailserver.status(),
            "pending": label(counts["pending"] + counts["sending"]), "failed": label(counts["failed"]),
            "sent": label(counts["sent"]), "uncertain": uncertain, "uncertain_label": label(uncertain)}
