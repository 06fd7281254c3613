"""Sending the outbox: claim each row atomically, deliver, record the attempt, back off on failure.

Extension points (registered at import time by other notify/area modules):
- RENDERERS[kind](notification) -> Rendered: build subject/text/html at send time (batched messages).
- GATES[kind](notification) -> GateResult: decide "send now" or "wait until" (availability checks).
- TRANSPORTS[channel](notifications) : deliver non-email channels (Apprise).
- PAUSES: callables returning a reason string while sending must pause (maintenance windows).
- HEADERS: callables adding email headers (List-Unsubscribe…).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from typing import Callable

from plexportal.db import db
from plexportal.gateways import email as email_gateway
from plexportal.gateways.base import GatewayError
from plexportal.lib import clock
from plexportal.notify.models import Delivery, Notification
from plexportal.settings import service as settings

log = logging.getLogger(__name__)

STUCK_AFTER = timedelta(minutes=10)
BATCH_LIMIT = 500


@dataclass
class Rendered:
    subject: str
    text: str
    html: str = ""


@dataclass
class GateResult:
    send: bool
    retry_at: datetime | None = None
    flag: str = ""                         # set when sending anyway (e.g. "not confirmed in Plex")
    payload_updates: dict = field(default_factory=dict)


RENDERERS: dict[str, Callable[[Notification], Rendered]] = {}
GATES: dict[str, Callable[[Notification], GateResult]] = {}
TRANSPORTS: dict[str, Callable[[Notification, Rendered], None]] = {}
PAUSES: list[Callable[[], str | None]] = []
HEADERS: list[Callable[[Notification, EmailMessage], None]] = []


_EXTENSIONS = ("plexportal.notify.render", "plexportal.notify.headers", "plexportal.notify.transport")


def load_extensions() -> None:
    """The notify modules that fill the registries above (imported late: they import this one)."""
    import importlib

    for name in _EXTENSIONS:
        importlib.import_module(name)


def pause_reason() -> str | None:
    for check in PAUSES:
        reason = check()
        if reason:
            return reason
    return None


def render(n: Notification) -> Rendered:
    renderer = RENDERERS.get(n.kind)
    if renderer is not None:
        return renderer(n)
    return Rendered(n.subject, n.text_body, n.html_body)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 60 * 2 ** max(0, attempts - 1)))


def seal(ids: list[int] | None = None) -> int:
    """Due batches stop collecting before anything else looks at them (see batching.py)."""
    from plexportal.notify import batching

    if ids is None:
        return batching.seal_due()
    return (Notification.update(status="pending", batch_key=None)
            .where((Notification.id.in_(ids)) & (Notification.status == "collecting")
                   & (Notification.send_after <= clock.now()))
            .execute())


def due_ids(limit: int = BATCH_LIMIT) -> list[int]:
    return [n.id for n in Notification.select(Notification.id)
            .where((Notification.status == "pending") & (Notification.send_after <= clock.now()))
            .order_by(Notification.send_after, Notification.id).limit(limit)]


def release_stuck() -> int:
    """Rows claimed by a sender that died (worker killed) go back to the queue."""
    return (Notification.update(status="pending", claimed_at=None)
            .where((Notification.status == "sending") & (Notification.claimed_at < clock.now() - STUCK_AFTER))
            .execute())


def _claim(nid: int) -> bool:
    return (Notification.update(status="sending", claimed_at=clock.now())
            .where((Notification.id == nid) & (Notification.status == "pending")
                   & (Notification.send_after <= clock.now()))
            .execute()) == 1


def _mark_sent(n: Notification) -> None:
    now = clock.now()
    with db.atomic():
        Notification.update(status="sent", sent_at=now, attempts=Notification.attempts + 1, last_error="").where(
            (Notification.id == n.id) & (Notification.status == "sending")).execute()
        Delivery.create(notification=n.id, at=now, ok=True)


def _mark_failed(n: Notification, error: GatewayError, claimed: bool) -> None:
    now = clock.now()
    attempts = n.attempts + 1
    final = error.permanent or attempts >= settings.get_int("NOTIFY_MAX_ATTEMPTS")
    with db.atomic():
        (Notification.update(status="failed" if final else "pending", attempts=attempts,
                             last_error=error.message[:500], claimed_at=None,
                             send_after=now if final else now + backoff(attempts))
         .where((Notification.id == n.id) & (Notification.status == ("sending" if claimed else "pending")))
         .execute())
        Delivery.create(notification=n.id, at=now, ok=False, error=error.message[:500])
    log.warning("notification %s attempt %s failed%s: %s", n.id, attempts, " (final)" if final else "",
                error.message)


def _apply_gate(n: Notification) -> bool:
    """True when the row may be sent now. Runs outside any transaction (gates may call Plex)."""
    gate = GATES.get(n.kind)
    if gate is None:
        return True
    try:
        result = gate(n)
    except Exception:  # noqa: BLE001 - a broken gate must not block delivery forever
        log.exception("gate for %s failed; sending anyway", n.kind)
        result = GateResult(True, flag="availability could not be checked")
    if result.send:
        updates = {}
        if result.flag:
            updates[Notification.flagged] = result.flag[:300]
        if result.payload_updates:
            updates[Notification.payload] = {**(n.payload or {}), **result.payload_updates}
            n.payload = updates[Notification.payload]
        if updates:
            Notification.update(updates).where(Notification.id == n.id).execute()
            n.flagged = result.flag or n.flagged
        return True
    (Notification.update(send_after=result.retry_at or clock.now() + timedelta(minutes=1))
     .where((Notification.id == n.id) & (Notification.status == "pending")).execute())
    return False


def build_email(n: Notification, content: Rendered) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = content.subject
    msg["To"] = n.destination
    sender = settings.get("SMTP_FROM")
    name = settings.get("SERVER_NAME")
    if sender:
        msg["From"] = f"{name} <{sender}>" if name else sender
    msg["Date"] = formatdate(localtime=False)
    # Stable per notification, so a resend after a crash is recognisable as the same message.
    domain = (sender.split("@", 1)[1] if "@" in sender else "plexportal.local")
    msg["Message-ID"] = f"<notification-{n.id}.{int(n.created_at.timestamp())}@{domain}>"
    msg.set_content(content.text or "")
    if content.html:
        msg.add_alternative(content.html, subtype="html")
    for add in HEADERS:
        add(n, msg)
    return msg


def send(ids: list[int]) -> dict:
    """Send the given notifications (those still pending and due). Returns counts."""
    counts = {"sent": 0, "failed": 0, "waiting": 0, "skipped": 0}
    load_extensions()
    if pause_reason():
        counts["skipped"] = len(ids)
        return counts
    seal(ids)
    rows = list(Notification.select().where((Notification.id.in_(ids)) & (Notification.status == "pending")
                                            & (Notification.send_after <= clock.now())).order_by(Notification.id))
    ready = []
    for n in rows:
        if _apply_gate(n):
            ready.append(n)
        else:
            counts["waiting"] += 1
    emails = [n for n in ready if n.channel == "email"]
    others = [n for n in ready if n.channel != "email"]
    if emails:
        _send_emails(emails, counts)
    for n in others:
        transport = TRANSPORTS.get(n.channel)
        if not _claim(n.id):
            continue
        if transport is None:
            _mark_failed(n, GatewayError(f"No transport for channel {n.channel}.", permanent=True), True)
            counts["failed"] += 1
            continue
        try:
            transport(n, render(n))
        except GatewayError as err:
            _mark_failed(n, err, True)
            counts["failed"] += 1
        except Exception as err:  # noqa: BLE001
            log.exception("transport %s crashed", n.channel)
            _mark_failed(n, GatewayError(f"{type(err).__name__} while sending"), True)
            counts["failed"] += 1
        else:
            _mark_sent(n)
            counts["sent"] += 1
    return counts


CLAIM_CHUNK = 50


def _claim_chunk(ids: list[int]) -> list[int]:
    """Claim several rows in one short transaction (one commit instead of one per row): each row
    is still claimed by its own conditional UPDATE, so a row another sender holds is skipped."""
    with db.atomic():
        return [nid for nid in ids if _claim(nid)]


def _release(ids: list[int]) -> None:
    """Hand claimed-but-unsent rows straight back (instead of waiting for release_stuck)."""
    if ids:
        (Notification.update(status="pending", claimed_at=None)
         .where((Notification.id.in_(ids)) & (Notification.status == "sending")).execute())


def _with_users(rows: list[Notification]) -> None:
    """Load every row's user in one query (renderers and headers read n.user)."""
    from plexportal.auth.models import User

    ids = {n.user_id for n in rows if n.user_id}
    if not ids:
        return
    users = {u.id: u for u in User.select().where(User.id.in_(list(ids)))}
    for n in rows:
        if n.user_id in users:
            n.user = users[n.user_id]


def _send_emails(rows: list[Notification], counts: dict) -> None:
    smtp = email_gateway.settings_from_store()
    try:
        conn = email_gateway.SmtpConnection(smtp).__enter__()
    except GatewayError as err:
        for n in rows:
            _mark_failed(n, err, claimed=False)
            counts["failed"] += 1
        return
    _with_users(rows)
    try:
        for start in range(0, len(rows), CLAIM_CHUNK):
            chunk = rows[start:start + CLAIM_CHUNK]
            claimed = set(_claim_chunk([n.id for n in chunk]))
            todo = [n for n in chunk if n.id in claimed]      # the others belong to another sender
            for i, n in enumerate(todo):
                try:
                    message = build_email(n, render(n))
                    conn.send(message)
                except GatewayError as err:
                    _mark_failed(n, err, True)
                    counts["failed"] += 1
                    if conn.smtp is None:            # connection lost: the rest wait for the next run
                        try:
                            conn = email_gateway.SmtpConnection(smtp).__enter__()
                        except GatewayError:
                            _release([r.id for r in todo[i + 1:]])
                            return
                    continue
                except Exception as err:  # noqa: BLE001 - a render bug fails this row, not the batch
                    log.exception("could not build notification %s", n.id)
                    _mark_failed(n, GatewayError(f"{type(err).__name__} while building the message",
                                                 permanent=True), True)
                    counts["failed"] += 1
                    continue
                _mark_sent(n)
                counts["sent"] += 1
    finally:
        conn.__exit__(None, None, None)


def send_due() -> dict:
    release_stuck()
    seal()
    total = {"sent": 0, "failed": 0, "waiting": 0, "skipped": 0}
    while True:
        ids = due_ids()
        if not ids:
            return total
        counts = send(ids)
        for k, v in counts.items():
            total[k] += v
        if counts["sent"] + counts["failed"] == 0:
            return total                          # only waiting/paused rows left
