"""The outbox: every message any area sends is queued here (DESIGN law 3).

Other areas call:
    queue_email(to, subject, text, html="", kind=…, user=None, dedup_key=None, send_after=None, payload=None)
    queue_admin_alert(subject, text, html="", kind="admin.alert", dedup_key=None, payload=None)
Both return the Notification rows created (an existing row when dedup_key was already used) and
commit before returning; the send task is enqueued after the commit.

    notify_user(user, kind, group_key, item=None, payload=None)
adds `item` to the user's open batch for `group_key` on every destination that wants `kind`
(see batching.py for the timing and the race safety).
"""
from __future__ import annotations

import logging
from datetime import datetime

from peewee import IntegrityError

from plexportal import db as _db_module
from plexportal.db import db
from plexportal.i18n import N_, english, msg
from plexportal.lib import clock
from plexportal.notify import channels
from plexportal.notify.models import Notification, Told

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
        _db_module.on_commit(_enqueue_send, due)


def _enqueue_send(ids: list[int]) -> None:
    """After the commit (law 13): the worker must find the rows it is told about."""
    from plexportal.notify.tasks import send_notifications_task

    try:
        send_notifications_task(ids)
    except Exception as err:  # noqa: BLE001 - the row is stored; the sweep will send it
        log.warning("could not enqueue send for %s: %s", ids, err)


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


def notify_user(user, kind: str, group_key: str, item=None, payload: dict | None = None,
                destinations: list[tuple[str, str]] | None = None, *, once: str | None = None,
                not_before: datetime | None = None) -> list[Notification]:
    """Collect `item` (a dict, or a list of them for a season pack) into one message per destination.

    Returns the open batch rows (one per destination the user wants `kind` on); an empty list when
    the user wants none. Safe to call concurrently for the same user and group. `destinations`:
    what destinations_for() gave for this user, when the caller read many at once.

    `once` names the thing that happened (e.g. "seerr:MEDIA_DECLINED:17"): the person is told about
    it at most once, whatever calls this again (a replayed or reprocessed webhook). The `Told` row
    and the message commit together. `not_before` holds the message until then (a message decided
    now that only matters if nothing changes meanwhile, e.g. "waiting for a good copy")."""
    from plexportal.notify import batching

    if user is None or not getattr(user, "is_active", True):
        return []
    items = list(item) if isinstance(item, (list, tuple)) else ([] if item is None else [item])
    items += list((payload or {}).get("items") or [])
    if destinations is None:
        destinations = channels.user_destinations(user, kind)
    if not destinations:
        return []
    rows = []
    with db.atomic():
        if once is not None:
            try:
                with db.atomic():
                    Told.create(user=user.id, key=once[:200], kind=kind, at=clock.now())
            except IntegrityError:
                return []                 # told already (or being told right now by another worker)
        for channel, destination in destinations:
            rows.append(batching.add(user_id=user.id, kind=kind, group_key=group_key, channel=channel,
                                     destination=destination, items=items, payload=payload,
                                     not_before=not_before))
    # Only a batch just opened needs its send scheduled: when that send finds the batch moved later
    # by items added since, it comes back at the new time (tasks.send_notifications_task). One
    # task per message, not one per item (a burst of episodes for someone following many shows).
    opened = [r for r in rows if r.batch_version == 1]
    if opened:
        _schedule(opened)
    return rows


def notify_many(kind: str, group_key: str, told: list[tuple], payload: dict | None = None,
                adds: dict[int, int] | None = None) -> list[Notification]:
    """notify_user() for many people at once, about one thing (a Download's followers): `told` is
    [(user, item or items, destinations)], destinations as destinations_for() gave them. Their
    batches are read, opened and added to a few statements for all of them (batching.add_many), and
    the sends of the batches opened now are scheduled together. `adds` ({user id: n}) counts a
    person's items as n additions, as if they had come one after another (their due time moves on
    n times). Returns the batch rows."""
    from plexportal.notify import batching

    entries = []
    for user, item, destinations in told:
        if user is None or not getattr(user, "is_active", True):
            continue
        items = list(item) if isinstance(item, (list, tuple)) else ([] if item is None else [item])
        items += list((payload or {}).get("items") or [])
        entries += [dict(user_id=user.id, kind=kind, group_key=group_key, channel=channel,
                         destination=destination, items=items, payload=payload,
                         **({"adds": adds[user.id]} if adds and adds.get(user.id, 1) > 1 else {}))
                    for channel, destination in destinations]
    if not entries:
        return []
    with db.atomic():
        rows = batching.add_many(entries)
    opened = [r for r in rows if r.batch_version == 1]
    if opened:
        _schedule(opened)
    return rows


def destinations_for(users, kind: str) -> dict[int, list[tuple[str, str]]]:
    """Where each of these users wants messages of `kind` ({user id: [(channel, destination)…]}),
    read for all of them at once; pass a user's list to notify_user(destinations=…)."""
    return channels.destinations_for(users, kind)


def _schedule(rows: list[Notification]) -> None:
    """Wake the worker when the batch is due (the minute sweep is the safety net)."""
    _db_module.on_commit(_schedule_send, [r.id for r in rows], min(r.send_after for r in rows))


def _schedule_send(ids: list[int], at) -> None:
    from plexportal.notify.tasks import send_notifications_task

    try:
        send_notifications_task.schedule(args=(ids,), eta=at)
    except Exception as err:  # noqa: BLE001 - the rows are stored; the sweep will send them
        log.warning("could not schedule send for batch: %s", err)


def queue_user_test(user, target: str) -> Notification:
    """"Send me a test" from the user's page: to their email, or to one of their channels."""
    from plexportal.notify.models import Channel
    from plexportal.settings import service as settings

    name = settings.get("SERVER_NAME")
    subject_said = msg(N_("Test message from %(server)s"), server=name)
    # No page link: whoever pressed the button already has one, and a test to a destination they
    # added must not hand them a fresh one.
    text_said = msg(N_("This is a test from %(server)s. If you can read it, messages will reach you here."),
                    server=name)
    subject, text = english(subject_said), english(text_said)
    said = {"subject_say": subject_said, "text_say": text_said}     # written in their language when sent
    if target == "email":
        if not user.email:
            raise ValueError("There is no email address on this account.")
        row = queue_email(user.email, subject, text, kind="notify.test", user=user, payload=said)
    elif str(target).startswith("push:"):
        from plexportal.notify.models import PushSubscription

        sub_id = str(target)[5:]
        sub = (PushSubscription.get_or_none((PushSubscription.id == int(sub_id)) & (PushSubscription.user == user))
               if sub_id.isdecimal() and len(sub_id) < 10 else None)
        if sub is None:
            raise ValueError("That device no longer gets push messages.")
        row, _ = _create(kind="notify.test", audience="user", user=user, channel="push", destination=str(sub.id),
                         subject=subject, text_body=text, payload=said, status="pending",
                         send_after=clock.now())
        _kick([row])
    else:
        channel = Channel.get_or_none((Channel.id == int(target)) & (Channel.user == user)) \
            if str(target).isdecimal() and len(str(target)) < 10 else None
        if channel is None:
            raise ValueError("That destination no longer exists.")
        row, _ = _create(kind="notify.test", audience="user", user=user, channel="apprise",
                         destination=str(channel.id), subject=subject, text_body=text, payload=said,
                         status="pending", send_after=clock.now())
        _kick([row])
    return Notification.get_by_id(row.id)


def queue_new_link(user) -> Notification:
    """After "Sign out everywhere": the new link to the person's page, to their own address."""
    from plexportal.notify import links
    from plexportal.settings import service as settings

    name = settings.get("SERVER_NAME")
    subject = msg(N_("Your new link to %(server)s"), server=name)
    text = msg(N_("You asked %(server)s to end every link to your page. This is the new one:\n\n%(url)s\n\n"
                  "If that was not you, ask the server's admin."), server=name, url=links.user_page_url(user))
    return queue_email(user.email, english(subject), english(text), kind="notify.new_link", user=user,
                       payload={"subject_say": subject, "text_say": text})


def queue_test_email(to: str, kick: bool = True) -> Notification:
    """The admin's "Send test email": a plain message through the normal outbox path."""
    from plexportal.settings import service as settings
    from plexportal.settings.registry import EMAIL_RE

    if not to or not EMAIL_RE.match(to):
        raise ValueError("Enter an email address such as you@example.com.")
    if not settings.get("SMTP_HOST"):
        raise ValueError("Email is not configured: set the SMTP host in Settings → Email first.")
    name = settings.get("SERVER_NAME")
    return queue_email(to, f"Test email from {name}",
                       f"This is a test email from {name}.\n\nIf you can read it, email delivery works.",
                       kind="notify.test", audience="admin", kick=kick)


def admin_destinations() -> list[tuple[str, str]]:
    """(channel, destination) pairs for admin alerts: ADMIN_EMAIL plus admin Apprise channels."""
    from plexportal.settings import service as settings

    out = []
    if settings.get("ADMIN_EMAIL"):
        out.append(("email", settings.get("ADMIN_EMAIL")))
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
    # batch_key goes too: a cancelled batch must not hold it, or the person's next item for the
    # same title could never open a batch of its own.
    return (Notification.update(status="cancelled", batch_key=None)
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


def outbox_counts() -> dict[str, int]:
    """Messages per status, each read from the status index and capped (see `outbox_count_label`)."""
    from plexportal.notify import outbox

    return outbox.counts()


def outbox_count_label(n: int) -> str:
    from plexportal.notify import outbox

    return outbox.count_label(n)
