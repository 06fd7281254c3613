"""Maintenance windows. Messages to every user: an announcement when a window is created, a
reminder about an hour before it starts, a completion message when it ends (by the clock or by hand)
and a cancellation notice. While a window is active the notification sender and the monitors pause
(pause_reason, declared as a pause in area.py); what they would have sent waits in the outbox."""
from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta

from plexportal.auth.models import User
from plexportal.db import db
from plexportal.health.models import MaintenanceWindow
from plexportal.i18n import N_, english, in_language, moment, msg, say
from plexportal.lib import clock
from plexportal.notify import service as outbox
from plexportal.notify.models import Notification
from plexportal.notify.tasks import send_due_notifications_task
from plexportal.settings import service as settings

log = logging.getLogger(__name__)
REMINDER_BEFORE = timedelta(hours=1)
MAX_LENGTH = timedelta(days=14)
# The announcement of a window that starts at once must get out before the pause holds the outbox.
ANNOUNCE_GRACE = timedelta(minutes=10)


class WindowError(ValueError):
    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


def _local(dt: datetime) -> str:
    return clock.ensure_utc(dt).astimezone(clock.zone(settings.get("TIMEZONE"))).strftime("%a %d %b, %H:%M %Z")


def _check(starts_at: datetime, ends_at: datetime, message: str) -> str:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise WindowError("Times must carry a time zone.")
    if ends_at <= starts_at:
        raise WindowError("The end must be after the start.", "ends_at")
    if ends_at <= clock.now():
        raise WindowError("That window has already ended.", "ends_at")
    if ends_at - starts_at > MAX_LENGTH:
        raise WindowError("A window can last at most 14 days.", "ends_at")
    message = (message or "").strip()
    if len(message) > 1000:
        raise WindowError("Keep the message under 1,000 characters.", "message")
    return message


NOBODY = ("Nobody would be told: no one with access has an email address yet. Add addresses on the People "
          "page (or wait until someone has joined), then plan the window.")


def preview(starts_at: datetime, ends_at: datetime, message: str) -> dict:
    """The announcement exactly as it would go out, and to how many people. Raises WindowError."""
    message = _check(starts_at, ends_at, message)
    people = recipients()
    if not people:
        raise WindowError(NOBODY, "message")
    window = MaintenanceWindow(starts_at=starts_at, ends_at=ends_at, message=message)
    return {**_written(window, "announce"), "count": len(people)}


def create_window(starts_at: datetime, ends_at: datetime, message: str, created_by: str = "") -> MaintenanceWindow:
    message = _check(starts_at, ends_at, message)
    if not recipients():
        raise WindowError(NOBODY, "message")
    with db.atomic():
        window = MaintenanceWindow.create(starts_at=starts_at, ends_at=ends_at, message=message,
                                          created_by=created_by[:150], created_at=clock.now())
    _tell_everyone(window, "announce")
    return window


def notice_preview(window_id: int, kind: str) -> dict | None:
    """What ending ("complete") or cancelling ("cancel") a window would send, exactly, and to how
    many people; None when it sends nothing (a cancelled window that was never announced)."""
    window = MaintenanceWindow.get_by_id(window_id)
    if window.status not in ("scheduled", "active") or (kind == "cancel" and not window.announced_at):
        return None                                   # nothing goes out (or the action is refused)
    if kind == "complete" and window.starts_at > clock.now():
        return None
    return {**_written(window, kind), "count": len(recipients())}


def _written(window: MaintenanceWindow, kind: str) -> dict:
    """The notice as the server's default language writes it (each person gets their own)."""
    subject, text = _message(window, kind)
    with in_language(None) as language:
        return {"subject": say(subject, english(subject)), "text": say(text, english(text)), "language": language}


def _users():
    return User.select().where(User.is_active & User.email.is_null(False) & (User.email != ""))


def recipients() -> list[tuple[User | None, str]]:
    """Everyone a maintenance notice goes to: each active person with an address, and everyone with
    access or an invite still open (who may have no account here yet). Each address once."""
    from plexportal.invites import service as invites

    people: dict[str, tuple[User | None, str]] = {}
    for user in _users():
        people.setdefault(user.email.strip().lower(), (user, user.email.strip()))
    with_access = invites.emails_with_access()
    users = {u.id: u for u in User.select().where(User.id.in_([uid for uid, _ in with_access if uid]))} \
        if with_access else {}
    for user_id, email in with_access:
        user = users.get(user_id)
        if user is not None and not user.is_active:
            continue                                  # someone switched off here is not told
        people.setdefault(email.lower(), (user, email))
    return list(people.values())


KINDS = ("maintenance.announce", "maintenance.remind", "maintenance.complete", "maintenance.cancel")


def _message(window: MaintenanceWindow, kind: str) -> tuple[list, list]:
    """(subject, text) as message ids with their values, written in each reader's language when sent."""
    name = settings.get("SERVER_NAME")
    starts, ends = moment(clock.ensure_utc(window.starts_at)), moment(clock.ensure_utc(window.ends_at))
    note = f"\n\n{window.message}" if window.message else ""
    if kind == "announce":
        return (msg(N_("Planned maintenance on %(server)s"), server=name),
                msg(N_("%(server)s will be down for maintenance from %(start)s to %(end)s. Plex and new-episode "
                       "messages may pause during that time; anything that arrives meanwhile is sent "
                       "afterwards.%(note)s"), server=name, start=starts, end=ends, note=note))
    if kind == "remind":
        return (msg(N_("Reminder: %(server)s maintenance starts in about an hour"), server=name),
                msg(N_("Maintenance on %(server)s starts at %(start)s and should end by %(end)s.%(note)s"),
                    server=name, start=starts, end=ends, note=note))
    if kind == "complete":
        return (msg(N_("%(server)s is back"), server=name),
                msg(N_("Maintenance on %(server)s is finished. Everything is running again, and any messages held "
                       "during the maintenance are on their way."), server=name))
    return (msg(N_("Maintenance on %(server)s is cancelled"), server=name),
            msg(N_("The maintenance planned from %(start)s to %(end)s will not happen. Nothing changes for you."),
                start=starts, end=ends))


def _tell_everyone(window: MaintenanceWindow, kind: str) -> int:
    subject_said, text_said = _message(window, kind)
    subject, text = english(subject_said), english(text_said)
    count = 0
    for user, email in recipients():
        who = hashlib.sha256(email.lower().encode()).hexdigest()[:24]
        outbox.queue_email(email, subject, text, kind=f"maintenance.{kind}", user=user,
                           dedup_key=f"maintenance:{window.id}:{kind}:{who}",
                           payload={"subject_say": subject_said, "text_say": text_said})
        count += 1
    stamp = {"announce": "announced_at", "remind": "reminded_at"}.get(kind)
    if stamp:
        MaintenanceWindow.update({getattr(MaintenanceWindow, stamp): clock.now()}).where(
            MaintenanceWindow.id == window.id).execute()
    log.info("maintenance window %s: %s sent to %s user(s)", window.id, kind, count)
    return count


def current() -> MaintenanceWindow | None:
    """The window in force right now, by the clock (so it holds even before the worker moves it)."""
    now = clock.now()
    return (MaintenanceWindow.select()
            .where(MaintenanceWindow.status.in_(["scheduled", "active"]) & (MaintenanceWindow.starts_at <= now)
                   & (MaintenanceWindow.ends_at > now))
            .order_by(MaintenanceWindow.starts_at).first())


def upcoming(within: timedelta = timedelta(days=1)) -> list[MaintenanceWindow]:
    now = clock.now()
    return list(MaintenanceWindow.select()
                .where((MaintenanceWindow.status == "scheduled") & (MaintenanceWindow.starts_at > now)
                       & (MaintenanceWindow.starts_at <= now + within))
                .order_by(MaintenanceWindow.starts_at))


def _announcement_out(window: MaintenanceWindow) -> bool:
    if clock.now() >= window.starts_at + ANNOUNCE_GRACE:
        return True
    return not (Notification.select().where(
        (Notification.kind == "maintenance.announce") & Notification.status.in_(["pending", "sending"])
        & Notification.dedup_key.startswith(f"maintenance:{window.id}:announce:")).exists())


def pause_reason() -> str | None:
    window = current()
    if window is None or not _announcement_out(window):
        return None
    return f"maintenance until {_local(window.ends_at)}"


def end_window(window_id: int) -> MaintenanceWindow:
    """End an active window now (by hand)."""
    now = clock.now()
    done = (MaintenanceWindow.update(status="completed", completed_at=now, ends_at=now)
            .where((MaintenanceWindow.id == window_id) & MaintenanceWindow.status.in_(["scheduled", "active"])
                   & (MaintenanceWindow.starts_at <= now)).execute())
    window = MaintenanceWindow.get_by_id(window_id)
    if not done:
        raise WindowError("Only a window that has started can be ended.")
    _tell_everyone(window, "complete")
    _resume()
    return window


def cancel_window(window_id: int) -> MaintenanceWindow:
    now = clock.now()
    done = (MaintenanceWindow.update(status="cancelled", cancelled_at=now)
            .where((MaintenanceWindow.id == window_id) & MaintenanceWindow.status.in_(["scheduled", "active"]))
            .execute())
    window = MaintenanceWindow.get_by_id(window_id)
    if not done:
        raise WindowError("That window has already ended or been cancelled.")
    if window.announced_at:
        _tell_everyone(window, "cancel")
    _resume()
    return window


def _resume() -> None:
    """Kick the sender so what waited during the window goes now, not at the next sweep."""
    if pause_reason():
        return
    try:

        send_due_notifications_task.call_local()
    except Exception as err:  # noqa: BLE001 - the periodic sweep sends it within a minute anyway
        log.warning("could not resume sending: %s", err)


def advance() -> dict:
    """Move every window along by the clock. Runs every minute in the worker, even during a window."""
    now = clock.now()
    counts = {"reminded": 0, "started": 0, "completed": 0}
    for window in MaintenanceWindow.select().where(MaintenanceWindow.status.in_(["scheduled", "active"])):
        if window.ends_at <= now:
            claimed = (MaintenanceWindow.update(status="completed", completed_at=now)
                       .where((MaintenanceWindow.id == window.id)
                              & MaintenanceWindow.status.in_(["scheduled", "active"])).execute())
            if claimed:
                _tell_everyone(window, "complete")
                counts["completed"] += 1
            continue
        if window.status == "scheduled" and window.starts_at <= now:
            MaintenanceWindow.update(status="active", started_at=now).where(
                (MaintenanceWindow.id == window.id) & (MaintenanceWindow.status == "scheduled")).execute()
            counts["started"] += 1
            continue
        # A reminder only when the announcement went out well before; otherwise it says the same thing.
        if (window.status == "scheduled" and window.reminded_at is None and window.starts_at - now <= REMINDER_BEFORE
                and window.announced_at and window.starts_at - window.announced_at > REMINDER_BEFORE * 1.5):
            claimed = (MaintenanceWindow.update(reminded_at=now)
                       .where((MaintenanceWindow.id == window.id) & MaintenanceWindow.reminded_at.is_null()).execute())
            if claimed:
                _tell_everyone(window, "remind")
                counts["reminded"] += 1
    if counts["completed"]:
        _resume()
    return counts


def windows(limit: int = 50) -> list[MaintenanceWindow]:
    return list(MaintenanceWindow.select().order_by(MaintenanceWindow.starts_at.desc()).limit(limit))


def get_window_or_404(window_id: int) -> MaintenanceWindow:
    from flask import abort

    window = MaintenanceWindow.get_or_none(MaintenanceWindow.id == window_id)
    if window is None:
        abort(404)
    return window

