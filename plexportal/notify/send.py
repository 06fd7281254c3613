"""Sending the outbox: claim each row atomically, deliver, record the attempt, back off on failure.

Extension points (filled by plexportal.areas.connect() from each area's area.py declarations):
- RENDERERS[kind](notification) -> Rendered: build subject/text/html at send time (batched messages).
- GATES[kind](notification) -> GateResult: decide "send now" or "wait until" (availability checks).
- TRANSPORTS[channel](notifications) : deliver non-email channels (Apprise).
- PAUSES: callables returning a reason string while sending must pause (maintenance windows).
- HEADERS: callables adding email headers (List-Unsubscribe…).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate

from flask import current_app, has_app_context

from plexportal.db import db, db_session
from plexportal.gateways import email as email_gateway
from plexportal.gateways.base import GatewayError
from plexportal.lib import clock, fmt
from plexportal.lib.lease import Heartbeat, holder_id
from plexportal.notify import mailserver
from plexportal.notify.models import Delivery, Notification
from plexportal.settings import service as settings

log = logging.getLogger(__name__)

STUCK_AFTER = timedelta(minutes=10)      # rows claimed before leases existed (no lease_until)
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


def pause_reason() -> str | None:
    for check in PAUSES:
        reason = check()
        if reason:
            return reason
    return None


def render(n: Notification) -> Rendered:
    """The message in its reader's language (theirs, else the server's default; see i18n.py)."""
    from plexportal import i18n

    renderer = RENDERERS.get(n.kind)
    if renderer is not None:
        with i18n.in_language(i18n.language_for(n.user if n.user_id else None, (n.payload or {}).get("language"))):
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


def next_collecting(ids: list[int]) -> datetime | None:
    """When the earliest of these batches that is still collecting is due (None: none is)."""
    from peewee import fn

    row = (Notification.select(fn.MIN(Notification.send_after).alias("due"))
           .where(Notification.id.in_(list(ids)) & (Notification.status == "collecting")).scalar())
    if row is None:
        return None
    return clock.ensure_utc(Notification.send_after.python_value(row))


def due_ids(limit: int = BATCH_LIMIT) -> list[int]:
    return [n.id for n in Notification.select(Notification.id)
            .where((Notification.status == "pending") & (Notification.send_after <= clock.now()))
            .order_by(Notification.send_after, Notification.id).limit(limit)]


def lease_length() -> timedelta:
    return timedelta(seconds=settings.get_int("WORKER_LEASE_SECONDS"))


ON_THE_WIRE = ("Its sender stopped while sending it (worker killed or restarted): it may arrive twice "
               "(an email with the same Message-ID).")


def release_stuck() -> int:
    """Rows whose sender stopped renewing its lease (a killed worker) go back to the queue. The
    sender claims only the message it is about to send, so each of them was on the wire: flagged."""
    now = clock.now()
    expired = ((Notification.status == "sending")
               & ((Notification.lease_until < now)
                  | (Notification.lease_until.is_null() & (Notification.claimed_at < now - STUCK_AFTER))))
    ids = [n.id for n in Notification.select(Notification.id).where(expired)]
    if not ids:
        return 0
    released = (Notification.update(status="pending", claimed_at=None, claimed_by="", lease_until=None,
                                    flagged=ON_THE_WIRE[:300])
                .where(expired & Notification.id.in_(ids)).execute())
    if released:
        log.warning("released %s message(s) whose sender stopped: %s", released, ids)
    return released


def next_lease_end() -> datetime | None:
    """When the earliest lease on a message being sent runs out (None when nothing is claimed)."""
    row = (Notification.select(Notification.lease_until)
           .where((Notification.status == "sending") & Notification.lease_until.is_null(False))
           .order_by(Notification.lease_until).first())
    return row.lease_until if row else None


def _claim(nid: int, holder: str | None = None) -> bool:
    now = clock.now()
    holder = holder or holder_id()
    return (Notification.update(status="sending", claimed_at=now, claimed_by=holder, lease_until=now + lease_length())
            .where((Notification.id == nid) & (Notification.status == "pending")
                   & (Notification.send_after <= now))
            .execute()) == 1


def _renew(holder: str) -> int:
    return (Notification.update(lease_until=clock.now() + lease_length())
            .where((Notification.claimed_by == holder) & (Notification.status == "sending")).execute())


def _held(n: Notification, holder: str):
    return (Notification.id == n.id) & (Notification.status == "sending") & (Notification.claimed_by == holder)


def _lost(n: Notification, outcome: str) -> None:
    log.warning("notification %s: %s, but its claim had expired and was taken over", n.id, outcome)


_FREE = dict(claimed_at=None, claimed_by="", lease_until=None)


def _mark_sent(n: Notification, holder: str) -> None:
    now = clock.now()
    with db.atomic():
        done = Notification.update(status="sent", sent_at=now, attempts=Notification.attempts + 1, last_error="",
                                   **_FREE).where(_held(n, holder)).execute()
        Delivery.create(notification=n.id, at=now, ok=True)
    if not done:
        _lost(n, "sent")


def _mark_failed(n: Notification, error: GatewayError, holder: str | None) -> None:
    """A failed attempt: permanent errors end the message; others retry with backoff until the
    retry budget (NOTIFY_GIVE_UP_HOURS from the first failure) is spent."""
    now = clock.now()
    attempts = n.attempts + 1
    give_up_at = n.give_up_at or now + timedelta(hours=settings.get_int("NOTIFY_GIVE_UP_HOURS"))
    final = error.permanent or now >= give_up_at
    where = _held(n, holder) if holder else ((Notification.id == n.id) & (Notification.status == "pending"))
    with db.atomic():
        (Notification.update(status="failed" if final else "pending", attempts=attempts, give_up_at=give_up_at,
                             last_error=error.message[:500], send_after=now if final else now + backoff(attempts),
                             **_FREE)
         .where(where).execute())
        Delivery.create(notification=n.id, at=now, ok=False, error=error.message[:500])
    log.warning("notification %s attempt %s failed%s: %s", n.id, attempts, " (final)" if final else "",
                error.message)


def _mark_uncertain(n: Notification, error: GatewayError, holder: str) -> None:
    """Handed over without a reply: the server probably has it. Resend only after a long wait."""
    now = clock.now()
    later = now + timedelta(minutes=settings.get_int("NOTIFY_UNCERTAIN_RETRY_MINUTES"))
    flag = (f"May have been delivered: no reply after the message was sent ({fmt.zoned(now)}); "
            f"resending after {fmt.zoned(later)} unless cancelled.")
    with db.atomic():
        (Notification.update(status="pending", attempts=Notification.attempts + 1, uncertain_at=now,
                             flagged=flag[:300], last_error=error.message[:500], send_after=later, **_FREE)
         .where(_held(n, holder)).execute())
        Delivery.create(notification=n.id, at=now, ok=False, error=error.message[:500])
    log.warning("notification %s may have been delivered (no reply to the end of DATA); resend at %s", n.id, later)


def _release_unsent(n: Notification, error: GatewayError, holder: str) -> None:
    """The server went away before taking this message: back to the queue without spending an
    attempt (the outage is the transport's problem); the try stays recorded."""
    now = clock.now()
    with db.atomic():
        Notification.update(status="pending", last_error=error.message[:500], **_FREE).where(_held(n, holder)).execute()
        Delivery.create(notification=n.id, at=now, ok=False, error=f"{error.message} (not counted)"[:500])


def _gate_decision(n: Notification) -> GateResult:
    """Runs outside any transaction and possibly in a thread of its own (gates may call Plex)."""
    gate = GATES.get(n.kind)
    if gate is None:
        return GateResult(True)
    try:
        return gate(n)
    except Exception:  # a broken gate must not block delivery forever
        log.exception("gate for %s failed; sending anyway", n.kind)
        return GateResult(True, flag="availability could not be checked")


def _record_gate(n: Notification, result: GateResult) -> bool:
    if result.send:
        updates: dict[object, object] = {}          # column -> value
        if result.flag:
            updates[Notification.flagged] = result.flag[:300]
        if result.payload_updates:
            payload = {**(n.payload or {}), **result.payload_updates}
            updates[Notification.payload] = payload
            n.payload = payload
        if updates:
            Notification.update(updates).where(Notification.id == n.id).execute()
            n.flagged = result.flag or n.flagged
        return True
    (Notification.update(send_after=result.retry_at or clock.now() + timedelta(minutes=1))
     .where((Notification.id == n.id) & (Notification.status == "pending")).execute())
    return False


GATE_CONCURRENCY = 4


def _gate_all(rows: list[Notification]) -> list[bool]:
    """Every row's gate, several at once (bounded): one slow upstream answer costs its own
    timeout, not one timeout per message in a row."""
    gated = [n for n in rows if n.kind in GATES]
    decisions: dict[int, GateResult] = {}
    if len(gated) > 1 and has_app_context():
        # Flask types current_app as the app itself, though it is a proxy to it.
        app = current_app._get_current_object()  # type: ignore[attr-defined]

        def decide(n):
            with app.app_context(), db_session():
                return _gate_decision(n)
        with ThreadPoolExecutor(max_workers=min(GATE_CONCURRENCY, len(gated)), thread_name_prefix="gate") as pool:
            for n, result in zip(gated, pool.map(decide, gated)):
                decisions[n.id] = result
    else:
        decisions = {n.id: _gate_decision(n) for n in gated}
    return [_record_gate(n, decisions[n.id]) if n.id in decisions else True for n in rows]


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
    if pause_reason():
        counts["skipped"] = len(ids)
        return counts
    seal(ids)
    rows = list(Notification.select().where((Notification.id.in_(ids)) & (Notification.status == "pending")
                                            & (Notification.send_after <= clock.now())).order_by(Notification.id))
    holder = holder_id()
    lease = lease_length().total_seconds()
    with Heartbeat(lambda: _renew(holder), every=lease / 3):
        # Rows without a gate go first: a slow availability check must not hold up an admin alert.
        _deliver([n for n in rows if n.kind not in GATES], counts, holder)
        gated = [n for n in rows if n.kind in GATES]
        ready = []
        for n, go in zip(gated, _gate_all(gated)):
            if go:
                ready.append(n)
            else:
                counts["waiting"] += 1
        _deliver(ready, counts, holder)
    return counts


def _deliver(rows: list[Notification], counts: dict, holder: str) -> None:
    emails = [n for n in rows if n.channel == "email"]
    others = [n for n in rows if n.channel != "email"]
    if others:
        _send_others(others, counts, holder)
    if emails:
        _send_emails(emails, counts, holder)


def _send_others(rows: list[Notification], counts: dict, holder: str) -> None:
    for n in rows:
        transport = TRANSPORTS.get(n.channel)
        if not _claim(n.id, holder):
            continue
        if transport is None:
            _mark_failed(n, GatewayError(f"No transport for channel {n.channel}.", permanent=True), holder)
            counts["failed"] += 1
            continue
        try:
            transport(n, render(n))
        except GatewayError as err:
            _mark_failed(n, err, holder)
            counts["failed"] += 1
        except Exception as err:
            log.exception("transport %s crashed", n.channel)
            _mark_failed(n, GatewayError(f"{type(err).__name__} while sending"), holder)
            counts["failed"] += 1
        else:
            _mark_sent(n, holder)
            counts["sent"] += 1


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


def _connect(smtp) -> email_gateway.SmtpConnection | None:
    """Open the SMTP connection, or note the server down (sending pauses) and return None."""
    try:
        conn = email_gateway.SmtpConnection(smtp).__enter__()
    except email_gateway.TransportDown as err:
        mailserver.note_down(err.message)
        return None
    mailserver.note_up()
    return conn


def _send_emails(rows: list[Notification], counts: dict, holder: str) -> None:
    """One SMTP connection for the rows; each row is claimed just before it goes out, so a slow
    server never leaves a pile of claimed-but-unsent rows. While the server is unreachable nothing
    is claimed and no attempt is spent: one probe connection at a time, backing off."""
    # A test message is someone asking "does mail work now?": it probes at once.
    asked = any(n.kind == "notify.test" for n in rows)
    if not asked and (mailserver.paused_until() is not None or not mailserver.claim_probe()):
        counts["waiting"] += len(rows)
        return
    smtp = email_gateway.settings_from_store()
    try:
        conn = _connect(smtp)
    except GatewayError as err:                       # not configured: nothing to wait for
        for n in rows:
            _mark_failed(n, err, None)
            counts["failed"] += 1
        return
    if conn is None:
        counts["waiting"] += len(rows)
        return
    _with_users(rows)
    try:
        for i, n in enumerate(rows):
            if conn is None:
                conn = _connect(smtp)                 # the last message broke the session
                if conn is None:
                    counts["waiting"] += len(rows) - i
                    return
            if not _claim(n.id, holder):
                continue                              # another sender has it, or it was cancelled
            try:
                message = build_email(n, render(n))
            except Exception as err:  # a render bug fails this row, not the batch
                log.exception("could not build notification %s", n.id)
                _mark_failed(n, GatewayError(f"{type(err).__name__} while building the message",
                                             permanent=True), holder)
                counts["failed"] += 1
                continue
            try:
                conn.send(message)
            except email_gateway.TransportDown as err:
                _release_unsent(n, err, holder)
                mailserver.note_down(err.message)
                counts["waiting"] += len(rows) - i
                return
            except email_gateway.DeliveryUncertain as err:
                _mark_uncertain(n, err, holder)
                counts["failed"] += 1
            except GatewayError as err:
                _mark_failed(n, err, holder)
                counts["failed"] += 1
            else:
                _mark_sent(n, holder)
                counts["sent"] += 1
            if conn.smtp is None:
                conn = None
    finally:
        if conn is not None:
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
