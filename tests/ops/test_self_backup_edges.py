"""plexportal's own backups when things go wrong: a folder that cannot be written, a task delivered
twice, a crash inside the backup, progress pages for backups that do not exist, schedules turned
off, and Create now pressed while one is running."""
from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from plexportal.lib import clock
from plexportal.ops import logstore, service
from plexportal.ops.models import LogRecord, SelfBackup


@pytest.fixture
def folder(set_settings, tmp_path):
    where = tmp_path / "selfbackups"
    set_settings(SELF_BACKUP_DIR=str(where), TIMEZONE="UTC")
    return where


def test_a_folder_that_cannot_be_written_fails_the_backup_with_a_sentence(logged_in, set_settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    set_settings(SELF_BACKUP_DIR=str(blocker / "backups"))
    r = logged_in.post("/ops/data/backups", htmx=True)
    assert "Backup started." in r.get_data(as_text=True)
    row = SelfBackup.get()
    assert row.status == "failed" and row.message and "Traceback" not in row.message
    frag = logged_in.client.get(f"/ops/data/backups/{row.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "The backup failed." in frag and row.message.split(":")[0] in frag


def test_a_backup_task_delivered_twice_writes_one_archive(db, admin, folder):
    row = SelfBackup.create(kind="manual", folder=str(folder))
    assert service.run_backup(row.id).status == "success"
    assert service.run_backup(row.id) is None
    assert len(list(folder.glob("*.tar.gz"))) == 1


def test_an_unexpected_crash_is_a_failed_backup_that_points_to_the_logs(db, admin, folder, monkeypatch, caplog):
    from plexportal.ops import backup

    caplog.set_level(logging.INFO)

    def crash(*args, **kwargs):
        raise ZeroDivisionError("a bug")
    monkeypatch.setattr(backup, "create_backup", crash)
    row = SelfBackup.create(kind="manual", folder=str(folder))
    done = service.run_backup(row.id)
    assert done.status == "failed"
    assert done.message == ("The backup stopped with an unexpected error (ZeroDivisionError); the details are on "
                            "the Logs page.")
    logstore.flush()
    record = LogRecord.get((LogRecord.subject_kind == "selfbackup") & (LogRecord.subject_id == row.id))
    assert record.level == "ERROR" and "ZeroDivisionError: a bug" in record.message


@pytest.mark.parametrize("backup_id", [999, 2 ** 31, 2 ** 40])
def test_progress_of_a_backup_that_does_not_exist_is_not_found(logged_in, backup_id):
    assert logged_in.get(f"/ops/data/backups/{backup_id}").status_code == 404


def test_progress_of_a_running_backup_keeps_polling(logged_in, folder):
    row = SelfBackup.create(kind="manual", status="running", started_at=clock.now(), folder=str(folder),
                            tables_total=20, tables_done=5, rows_total=1000, rows_done=250)
    frag = logged_in.client.get(f"/ops/data/backups/{row.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in frag and "5 of 20 tables, 250 of 1000 rows" in frag
    assert "Backup done." not in frag


def test_create_now_while_one_runs_says_so_and_starts_nothing(logged_in, folder):
    SelfBackup.create(kind="scheduled", status="running", started_at=clock.now(), folder=str(folder))
    r = logged_in.post("/ops/data/backups", htmx=True)
    assert "A backup is already running." in r.get_data(as_text=True)
    assert SelfBackup.select().count() == 1


def test_a_schedule_turned_off_makes_no_scheduled_backups(db, set_settings, folder):
    set_settings(SELF_BACKUP_SCHEDULE="off")
    clock.freeze(datetime(2026, 5, 10, 3, 31, tzinfo=UTC))
    assert service.schedule() == "" and service.next_fire() is None and service.run_due() is None
    assert service.evaluate() == {"failed": False, "missed": False}
    set_settings(SELF_BACKUP_SCHEDULE="  OFF ")
    assert service.schedule() == ""


def test_the_data_page_shows_the_schedule_in_words_and_the_next_time(logged_in, set_settings, folder):
    set_settings(SELF_BACKUP_SCHEDULE="30 3 * * *")
    clock.freeze(datetime(2026, 5, 10, 12, 0, tzinfo=UTC))
    page = logged_in.get("/ops/data").get_data(as_text=True)
    assert "At 03:30 every day" in page
    assert service.next_fire() == datetime(2026, 5, 11, 3, 30, tzinfo=UTC)


def test_a_second_worker_claiming_the_same_time_backs_up_once(db, admin, set_settings, folder):
    set_settings(SELF_BACKUP_SCHEDULE="30 3 * * *")
    clock.freeze(datetime(2026, 5, 10, 3, 31, tzinfo=UTC))
    first = service.run_due()
    assert first is not None and service.run_due() is None
    assert SelfBackup.select().where(SelfBackup.kind == "scheduled").count() == 1


def test_only_archive_names_plexportal_writes_are_served(db, folder):
    folder.mkdir(parents=True)
    real = folder / "plexportal-backup-20260510T033000Z-scheduled.tar.gz"
    real.write_bytes(b"x")
    (folder / "plexportal-backup-20260510T033000Z-scheduled.tar.gz.partial").write_bytes(b"x")
    assert service.archive_path(real.name) == real
    for name in ("", "plexportal-backup-20260510T033000Z-scheduled.tar.gz.partial", "../" + real.name,
                 "plexportal-backup-20260511T033000Z-scheduled.tar.gz"):
        assert service.archive_path(name) is None


def test_a_folder_on_another_disk_is_not_called_the_same_disk(db, folder):
    from pathlib import Path

    assert service.same_disk_as_data(folder) is True            # not created yet: its parent is checked
    assert service.same_disk_as_data(Path("/proc")) is False
    assert service.same_disk_as_data(Path("/does/not/exist/at/all")) is False


def test_a_stale_running_backup_is_reaped_once(db, folder):
    clock.freeze(datetime(2026, 5, 10, 12, 0, tzinfo=UTC))
    row = SelfBackup.create(kind="manual", status="running", requested_at=clock.now() - timedelta(hours=4),
                            folder=str(folder))
    assert service.reap() == 1 and service.reap() == 0
    done = SelfBackup.get_by_id(row.id)
    assert done.status == "failed" and "The worker stopped while this backup was running" in done.message
