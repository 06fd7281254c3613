"""The worker's own backups: on schedule, Create now, kept to SELF_BACKUP_KEEP, and watched like the
Plex backup (an alert when one fails or is missed, one when it recovers)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from plexportal.lib import clock
from plexportal.notify.models import Notification
from plexportal.ops import service
from plexportal.ops.models import SelfBackup


@pytest.fixture
def scheduled(db, set_settings, tmp_path, admin):
    set_settings(SELF_BACKUP_SCHEDULE="30 3 * * *", SELF_BACKUP_DIR=str(tmp_path / "selfbackups"), TIMEZONE="UTC",
                 ADMIN_EMAIL="owner@example.com", SERVER_NAME="Harbour Server", SELF_BACKUP_KEEP="2")
    return tmp_path / "selfbackups"


def subjects():
    return [n.subject for n in Notification.select().order_by(Notification.id)]


def test_it_backs_up_once_per_scheduled_time_and_keeps_the_newest(scheduled):
    clock.freeze(datetime(2026, 5, 10, 3, 31, tzinfo=UTC))
    row = service.run_due()
    assert row is not None and row.fire_at == datetime(2026, 5, 10, 3, 30, tzinfo=UTC)
    row = SelfBackup.get_by_id(row.id)
    assert row.status == "success", row.message
    assert (scheduled / row.file_name).is_file() and row.size_bytes > 0 and row.rows_done == row.rows_total > 0
    assert service.run_due() is None                       # the same time is never backed up twice
    for day in (11, 12):
        clock.freeze(datetime(2026, 5, day, 3, 30, 5, tzinfo=UTC))
        assert SelfBackup.get_by_id(service.run_due().id).status == "success"
    assert len(list(scheduled.glob("*-scheduled.tar.gz"))) == 2     # SELF_BACKUP_KEEP
    assert subjects() == []


def test_no_schedule_means_no_scheduled_backup(db, set_settings):
    set_settings(SELF_BACKUP_SCHEDULE="off")
    assert service.run_due() is None and service.next_fire() is None


def test_a_failed_backup_alerts_once_and_its_recovery_too(scheduled, set_settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    set_settings(SELF_BACKUP_DIR=str(blocker / "sub"))
    clock.freeze(datetime(2026, 5, 10, 3, 31, tzinfo=UTC))
    row = SelfBackup.get_by_id(service.run_due().id)
    assert row.status == "failed" and "Cannot create the backup folder" in row.message
    service.evaluate()
    assert subjects() == ["plexportal's own backup failed on Harbour Server"]
    body = Notification.get().text_body
    assert "Cannot create the backup folder" in body
    set_settings(SELF_BACKUP_DIR=str(scheduled))
    row, created = service.request_backup()                  # Create now
    assert created and SelfBackup.get_by_id(row.id).status == "success"
    assert subjects() == ["plexportal's own backup failed on Harbour Server",
                          "Backup recovered on Harbour Server: a plexportal backup succeeded again"]


def test_a_missed_backup_alerts_when_the_worker_returns_then_catches_up(scheduled):
    clock.freeze(datetime(2026, 5, 10, 3, 31, tzinfo=UTC))
    service.run_due()
    # The worker is down from now until two days later, after 12:00.
    clock.freeze(datetime(2026, 5, 12, 12, 0, tzinfo=UTC))
    from plexportal.ops.tasks import watch_self_backup_task

    watch_self_backup_task.call_local()
    assert subjects()[0] == "plexportal's own backup missed on Harbour Server"
    assert "No backup of plexportal was made for 2026-05-12 03:30" in Notification.get().text_body
    # ...and it caught up with one backup for the latest time, which closed the incident.
    assert SelfBackup.select().where(SelfBackup.fire_at == datetime(2026, 5, 12, 3, 30, tzinfo=UTC)).get().status == "success"
    assert subjects()[1:] == ["Backup recovered on Harbour Server: a plexportal backup ran again"]
    clock.advance(timedelta(minutes=1))
    watch_self_backup_task.call_local()
    assert len(subjects()) == 2


def test_a_fresh_install_does_not_report_a_miss(scheduled):
    clock.freeze(datetime(2026, 5, 12, 12, 0, tzinfo=UTC))
    assert service.evaluate() == {"failed": False, "missed": False}
    assert subjects() == []


def test_create_now_while_one_runs_returns_the_running_one(scheduled):
    running = SelfBackup.create(kind="manual", status="running", started_at=clock.now())
    row, created = service.request_backup()
    assert not created and row.id == running.id


def test_a_backup_left_running_by_a_stopped_worker_counts_as_failed(scheduled):
    clock.freeze(datetime(2026, 5, 10, 3, 0, tzinfo=UTC))
    SelfBackup.create(kind="manual", status="running", requested_at=clock.now(), started_at=clock.now())
    clock.advance(timedelta(hours=4))
    assert service.evaluate()["failed"] is True
    assert SelfBackup.get().message.startswith("The worker stopped while this backup was running")
