"""The outbox: every message any area sends is queued here (DESIGN law 3).

Other areas call:
    queue_email(to, subject, text, html="", kind=…, user=None, dedup_key=None, send_after=None, payload=None)
    queue_admin_alert(subject, text, html="", kind="admin.alert", dedup_key=None, payload=None)
Both return the Notification rows created (an existing row when dedup_key was already used) and
commit before returning; the send task is enqueued after the commit.
"""
from __future__ import annotations

import logging
from datetime import datetime

from peewee import IntegrityError

from plexportal.db import db
from plexportal.lib import clock
from plexportal.notify.models import Notification

log = logging.getLogger(__name__)


def _create(**fields) -> tuple[Notification, bool]:
    dedup_key = fields.get("dedup_key")
    try:
        with db.atomic():
            return Notification.create(**fields), True
    except IntegrityError:
        if dedup_key is None:
            raise
        return Notification.get(Notification.dedup_key == dedup_key), False


def _kick(rows: list[Notification]) -> None:
    """Ask the worker to send now what is due now; the periodic sweep catches anything else."""
    due = [n.id for n in rows if n.status == "pending" and n.send_after <= clock.now()]
    if due:
        from plexportal.notify.tasks import send_notifications_task

        try:
            send_notifications_task(due)
        except Exception as err:  # noqa: BLE001 - the row is stored; the sweep will send it
            log.warning("could not enqueue send for %s: %s", due, err)


def queue_email(to: str, subject: str, text: str, html: str = "", *, kind: str = "message",
                user=None, audience: str = "user", dedup_key: str | None = None,
                send_after: datetime | None = None, payload: dict | None = None,
                kick: bool = True) -> Notification:
    row, created = _create(kind=kind, audience=audience, user=user, channel="email", destination=to,
                           subject=subject[:300], text_body=text, html_body=html, payload=payload,
                           dedup_key=dedup_key, status="pending", send_after=send_after or clock.now())
    if created and kick:
        _kick([row])
    return row


def admin_destinations() -> list[tuple[str, str]]:
    """(channel, destination) pairs for admin alerts: ADMIN_EMAIL plus admin Apprise channels."""
    from plexportal.settings import service as settings

    out = []
    if settings.get("ADMIN_EMAIL"):
        out.append(("email", settings.get("ADMIN_EMAIL")))
    try:
        from plexportal.notify import channels
    except ImportError:
        channels = None
    if channels is not None and hasattr(channels, "admin_destinations"):
        out.extend(channels.admin_destinations())
    return out


def queue_admin_alert(subject: str, text: str, html: str = "", *, kind: str = "admin.alert",
                      dedup_key: str | None = None, payload: dict | None = None) -> list[Notification]:
    """One row per admin destination. dedup_key makes it once-only (per destination)."""
    rows = []
    for channel, destination in admin_destinations():
        key = f"{dedup_key}|{channel}|{destination}" if dedup_key else None
        row, created = _create(kind=kind, audience="admin", channel=channel, destination=destination,
                               subject=subject[:300], text_body=text, html_body=html, payload=payload,
                               dedup_key=key[:200] if key else None, status="pending", send_after=clock.now())
        if created:
            rows.append(row)
    if not rows and not admin_destinations():
        log.warning("admin alert not sent (no ADMIN_EMAIL or admin channel): %s", subject)
    _kick(rows)
    return rows


def cancel(notification_id: int) -> bool:
    return (Notification.update(status="cancelled")
            .where((Notification.id == notification_id) & (Notification.status.in_(["pending", "collecting", "failed"])))
            .execute()) == 1


def resend(notification_id: int) -> bool:
    """Put a failed or cancelled message back in the queue (a deliberate resend by the admin)."""
    done = (Notification.update(status="pending", send_after=clock.now(), attempts=0, last_error="")
            .where((Notification.id == notification_id) & (Notification.status.in_(["failed", "cancelled"])))
            .execute()) == 1
    if done:
        _kick([Notification.get_by_id(notification_id)])
    return done
