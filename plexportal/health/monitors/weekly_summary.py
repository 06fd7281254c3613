"""The weekly summary to the admin (default Sunday 09:00 in TIMEZONE). State-based: each run works
out the latest scheduled moment that has passed and sends the summary for the week before it
unless that week's was sent already, so a worker that was down catches up when it returns."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from peewee import fn

from plexportal.backups import service as backups
from plexportal.health.models import DownloadWatch, HealthAction, IssueFix
from plexportal.health.monitors import base
from plexportal.lib import clock, fmt
from plexportal.media.models import MediaRequest
from plexportal.notify import service as outbox
from plexportal.notify.models import Notification
from plexportal.settings import service as settings

NAME = "weekly-summary"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def latest_slot(now: datetime) -> datetime:
    """The most recent scheduled send time at or before `now` (aware, UTC)."""
    tz = clock.zone(settings.get("TIMEZONE"))
    local = now.astimezone(tz)
    weekday = DAYS.index(settings.get("WEEKLY_SUMMARY_DAY"))
    hour = settings.get_int("WEEKLY_SUMMARY_HOUR")
    day = local.date() - timedelta(days=(local.weekday() - weekday) % 7)
    slot = datetime.combine(day, time(hour)).replace(tzinfo=tz)
    if slot > local:
        slot -= timedelta(days=7)
    return slot.astimezone(clock.UTC)


def figures(start: datetime, end: datetime) -> dict:
    in_week = lambda field: (field >= start) & (field < end)
    by_state = dict(MediaRequest.select(MediaRequest.status, fn.COUNT(MediaRequest.id))
                    .group_by(MediaRequest.status).tuples())
    fixes = {k: n for k, n in HealthAction.select(HealthAction.monitor, fn.COUNT(HealthAction.id))
             .where((HealthAction.status == "done") & (HealthAction.kind.in_(["fix", "refresh"]))
                    & in_week(HealthAction.updated_at)).group_by(HealthAction.monitor).tuples()}
    return {
        "new_requests": MediaRequest.select().where(in_week(MediaRequest.created_at)).count(),
        "completed_requests": MediaRequest.select().where((MediaRequest.status == "available")
                                                          & in_week(MediaRequest.updated_at)).count(),
        "requests_by_state": by_state,
        "sent": Notification.select().where((Notification.status == "sent") & in_week(Notification.sent_at)).count(),
        "failed": Notification.select().where((Notification.status == "failed")
                                              & in_week(Notification.created_at)).count(),
        "import_fixes": fixes.get("import-fix", 0),
        "issue_fixes": IssueFix.select().where(in_week(IssueFix.fixed_at)).count(),
        "issues_resolved": IssueFix.select().where(in_week(IssueFix.resolved_at)).count(),
        "open_issues": IssueFix.select().where(IssueFix.state.in_(["open", "review", "approved", "retry",
                                                                    "fixing"])).count(),
        "stuck_now": DownloadWatch.select().where(DownloadWatch.alerted_at.is_null(False)).count(),
        "backups": backup_state(start),
    }


def backup_state(start: datetime) -> str:
    try:
        t = backups.totals(start.date())
    except Exception:  # noqa: BLE001 - the summary goes out even if the backups area has a problem
        return "could not be read (see the Backups page)"
    if not t.get("done"):
        return "no backup runs recorded this week"
    counts = t.get("counts", {})
    return (f"{counts.get('success', 0)} ok, {counts.get('partial', 0)} partial, {counts.get('failed', 0)} failed, "
            f"{counts.get('missed', 0)} missed ({t['rate']:.0f}% ok)")


def has_news(f: dict) -> bool:
    """Whether the week has anything to say: something happened, or something needs a look. A
    week of nothing (a fresh install, a quiet server) sends no email."""
    happened = (f["new_requests"] + f["completed_requests"] + f["sent"] + f["failed"] + f["import_fixes"]
                + f["issue_fixes"] + f["issues_resolved"])
    needs_a_look = f["open_issues"] + f["stuck_now"]
    backups_ran = bool(f["backups"]) and not f["backups"].startswith("no backup runs")
    return bool(happened or needs_a_look or backups_ran)


def compose(f: dict, start: datetime, end: datetime) -> tuple[str, str]:
    tz = clock.zone(settings.get("TIMEZONE"))
    span = f"{start.astimezone(tz):%a %d %b} – {(end - timedelta(seconds=1)).astimezone(tz):%a %d %b}"
    states = ", ".join(f"{n} {s}" for s, n in sorted(f["requests_by_state"].items())) or "none"
    lines = [
        f"Week {span} on {settings.get('SERVER_NAME')}",
        "",
        f"Requests: {f['new_requests']} new, {f['completed_requests']} became available. Now: {states}.",
        f"Messages: {f['sent']} sent, {f['failed']} failed" + (" (see Notifications)." if f["failed"] else "."),
        (f"Fixes: {f['import_fixes']} failed import(s) re-searched, {f['issue_fixes']} reported issue(s) repaired, "
        f"{f['issues_resolved']} resolved."),
        f"Open issues: {f['open_issues']}. Downloads stuck right now: {f['stuck_now']}.",
    ]
    if f["backups"]:
        lines.append(f"Backups: {f['backups']}.")
    attention = f["failed"] + f["open_issues"] + f["stuck_now"]
    subject = (f"Weekly summary: {f['sent']} messages sent, "
               + (f"{attention} thing(s) need a look" if attention else "all quiet"))
    return subject, "\n".join(lines)


def run(ctx) -> None:
    end = latest_slot(clock.now())
    start = end - timedelta(days=7)
    key = f"weekly-summary:{end:%Y-%m-%dT%H:%M}"
    if base.is_done(key):
        ctx.note(f"this week's summary went out already; next after {fmt.zoned(end + timedelta(days=7))}")
        return
    f = figures(start, end)
    if not has_news(f):
        ctx.note(f"nothing happened in the week ending {fmt.zoned(end)} and nothing needs a look: "
                 "no summary sent")
        return
    action = base.claim(key, NAME, "message", "Weekly summary")
    if action is None:
        return
    subject, text = compose(f, start, end)
    outbox.queue_admin_alert(subject, text, kind="health.weekly_summary", dedup_key=key)
    base.done(action)
    ctx.acted(f"sent the summary for the week ending {fmt.zoned(end)}")


MONITOR = base.Monitor(NAME, "Weekly summary",
                       "A weekly email to the admin: requests, messages sent and failed, fixes, open issues, "
                       "backups.", run, default_interval=15, settings=("WEEKLY_SUMMARY_DAY", "WEEKLY_SUMMARY_HOUR"))
