"""The minute tick: polls only when LOG_POLL_INTERVAL has passed; the summary email goes once."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from plexportal.backups import service, summary
from plexportal.backups.models import BackupRun
from plexportal.backups.tasks import watch_backups_task
from plexportal.lib import clock
from tests.backups import loggen as g

NY = ZoneInfo("America/New_York")


def night(day):
    start = datetime(2026, 5, day, 3, 0, 1)
    return g.section(g.date_c(start, "EDT"), g.date_c(start.replace(minute=8), "EDT"), g.summary(5, 5, 8_000_000_000))


def test_the_tick_reads_the_log_only_when_the_interval_has_passed(db, backup_files, set_settings):
    log, _ = backup_files
    set_settings(LOG_POLL_INTERVAL="300")
    log.write_text(night(10))
    clock.freeze(datetime(2026, 5, 10, 12, 0, tzinfo=NY))
    watch_backups_task.call_local()
    assert BackupRun.select().count() == 1
    with open(log, "a") as fh:
        fh.write(night(11))
    clock.advance(timedelta(minutes=1))
    watch_backups_task.call_local()
    assert BackupRun.select().count() == 1          # not yet: the interval has not passed
    clock.advance(timedelta(minutes=4))
    watch_backups_task.call_local()
    assert BackupRun.select().count() == 2
    assert service.poll_backup_logs() is None        # just polled


def test_the_daily_summary_is_sent_once_per_day_by_email(db, set_settings, smtp_server):
    set_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.port), SMTP_SECURITY="none",
                 SMTP_FROM="portal@example.com", ADMIN_EMAIL="owner@example.com", BACKUP_SUMMARY="daily",
                 BACKUP_TIMEZONE="America/New_York", BACKUP_SCHEDULE="0 3 * * *", SERVER_NAME="Harbour Server")
    start = datetime(2026, 5, 10, 3, 0, tzinfo=NY)
    BackupRun.create(key="log:1", source="log", day=start.date(), started_at=start, finished_at=start + timedelta(minutes=7),
                     duration_seconds=420, status="success", total_size_bytes=8_100_000_000)
    clock.freeze(datetime(2026, 5, 10, 7, 0, tzinfo=NY))
    assert summary.send_if_due() is False            # before 08:00
    clock.freeze(datetime(2026, 5, 10, 8, 5, tzinfo=NY))
    assert summary.send_if_due() is True
    assert summary.send_if_due() is False
    [msg] = smtp_server.wait_for(1)
    assert msg["To"] == "owner@example.com"
    assert msg["Subject"].startswith("Backups on Harbour Server: up, 1 of 1 ok")
    assert "8.1 GB" in msg.get_body(("plain",)).get_content()
    clock.freeze(datetime(2026, 5, 11, 8, 5, tzinfo=NY))
    assert summary.send_if_due() is True


def test_a_failed_run_alert_reaches_the_admin_by_email(db, set_settings, smtp_server):
    from plexportal.backups import monitor

    set_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.port), SMTP_SECURITY="none",
                 SMTP_FROM="portal@example.com", ADMIN_EMAIL="owner@example.com",
                 BACKUP_TIMEZONE="America/New_York", BACKUP_SCHEDULE="0 3 * * *", SERVER_NAME="Harbour Server")
    start = datetime(2026, 5, 10, 3, 0, tzinfo=NY)
    BackupRun.create(key="log:1", source="log", day=start.date(), started_at=start, finished_at=start + timedelta(minutes=2),
                     status="failed", exit_code=11, excerpt="rsync error: error in file IO (code 11)")
    clock.freeze(datetime(2026, 5, 10, 3, 5, tzinfo=NY))
    monitor.evaluate()
    monitor.evaluate()
    [msg] = smtp_server.wait_for(1)
    assert msg["Subject"] == "Backup failed on Harbour Server (rsync code 11)"
    assert "error in file IO" in msg.get_body(("plain",)).get_content()
