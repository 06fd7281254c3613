"""The optional daily or weekly summary email (BACKUP_SUMMARY), sent once per period via the outbox."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from markupsafe import escape

from plexportal.backups import importer, monitor
from plexportal.backups.models import BackupCheck, BackupRun
from plexportal.lib import clock, fmt
from plexportal.settings import service as settings

SEND_AT = time(8, 0)      # local morning, after the nightly run


def period_start(now: datetime, mode: str) -> datetime | None:
    """The start of the current summary period, once today's send time has passed."""
    local = now.astimezone(importer.zone())
    if mode == "weekly":
        day = local.date() - timedelta(days=local.weekday())
    elif mode == "daily":
        day = local.date()
    else:
        return None
    due = datetime.combine(day, SEND_AT).replace(tzinfo=importer.zone())
    return due if local >= due else None


def build(now: datetime, days: int) -> tuple[str, str, str]:
    since = now.astimezone(importer.zone()).date() - timedelta(days=days)
    runs = list(BackupRun.select().where((BackupRun.day >= since) & (BackupRun.dry_run == False))
                .order_by(BackupRun.day, BackupRun.started_at))
    st = monitor.compute(now)
    counts: dict[str, int] = {}
    for r in runs:
        counts[r.status] = counts.get(r.status, 0) + 1
    server = settings.get("SERVER_NAME")
    label = "today" if days == 1 else f"the last {days} days"
    subject = f"Backups on {server}: {st.state}, {counts.get('success', 0)} of {len(runs)} ok over {label}"
    lines = [f"State: {st.state}. {st.reason}",
             f"Last success: {fmt.localtime(st.last_success_at)}",
             f"Next expected: {fmt.localtime(st.next_expected_at)}", "",
             "Runs: " + (", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "none")]
    for r in runs[-14:]:
        lines.append(f"  {r.day} {r.status:8} {fmt.human_bytes(r.total_size_bytes):>9} "
                     f"{fmt.human_duration(r.duration_seconds)}")
    text = "\n".join(lines)
    html = "<pre style=\"font-family:monospace\">" + str(escape(text)) + "</pre>"
    return subject, text, html


def send_if_due(now: datetime | None = None) -> bool:
    from plexportal.notify import service as notify

    now = now or clock.now()
    mode = settings.get("BACKUP_SUMMARY")
    start = period_start(now, mode)
    to = settings.get("ADMIN_EMAIL")
    if start is None or not to:
        return False
    row = monitor.check_row()
    claimed = (BackupCheck.update(summary_sent_at=now)
               .where((BackupCheck.id == row.id) & (BackupCheck.summary_sent_at.is_null()
                                                    | (BackupCheck.summary_sent_at < start)))
               .execute())
    if claimed != 1:
        return False
    subject, text, html = build(now, 7 if mode == "weekly" else 1)
    notify.queue_email(to, subject, text, html, kind="backups.summary", audience="admin",
                       dedup_key=f"backup-summary:{mode}:{start.date().isoformat()}")
    return True
