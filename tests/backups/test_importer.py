"""Import and poll: idempotent, reads only new bytes, copes with rotation and truncation."""
import os
from datetime import UTC, date, datetime

from plexportal.backups import importer, service
from plexportal.backups.models import BackupRun, LogCursor
from tests.backups import loggen as g


def night(day: int, minute: int = 7, size: int = 8_081_447_228, code=None, month=2):
    start = datetime(2026, month, day, 3, 0, 1)
    return g.section(g.date_us(start, "EST"), g.date_us(start.replace(minute=minute), "EST"),
                     g.file_list(20) + "\n" + g.summary(24_265_611, 2_202, size, stats_files=12), failed_code=code)


def rows():
    return [(r.day, r.status, r.source, r.started_at) for r in BackupRun.select().order_by(BackupRun.day, BackupRun.id)]


def test_it_imports_the_log_and_tracking_file_and_gives_the_same_rows_twice(app, backup_files):
    log, tracking = backup_files
    log.write_text(night(21) + night(22, code=23) + night(23, code=12))
    tracking.write_text("2026-02-19:success\n2026-02-20:failed\n2026-02-21:success\n2026-02-22:failed\n2026-02-23:failed\n")
    reports = service.import_backup_logs()
    first = rows()
    assert [(d.day, s, src) for d, s, src, _ in first] == [
        (19, "success", "tracking"), (20, "failed", "tracking"), (21, "success", "log"), (22, "partial", "log"),
        (23, "failed", "log")]
    assert first[2][3] == datetime(2026, 2, 21, 8, 0, 1, tzinfo=UTC)      # no invented 03:00, no local time as UTC
    assert first[0][3] is None                                             # tracking-only day: no time made up
    text = "\n".join(reports[0].lines() + reports[1].lines())
    assert "3 run(s): 1 failed, 1 partial, 1 success" in text
    assert "2 day(s) with no log section" in text
    service.import_backup_logs()
    assert rows() == first
    assert BackupRun.select().count() == 5


def test_it_merges_a_tracking_day_when_its_log_section_arrives_later(app, backup_files):
    log, tracking = backup_files
    tracking.write_text("2026-02-21:success\n")
    log.write_text("")
    service.import_backup_logs()
    assert [(r[1], r[2]) for r in rows()] == [("success", "tracking")]
    log.write_text(night(21))
    service.import_backup_logs()
    assert [(r[1], r[2]) for r in rows()] == [("success", "log")]


def test_the_poller_reads_only_appended_bytes_and_finishes_an_open_run(app, backup_files):
    log, _ = backup_files
    log.write_text(night(21))
    importer.read_log(restart=True)
    start = datetime(2026, 2, 22, 3, 0, 1)
    with open(log, "a") as fh:
        fh.write(f"=== Plex Backup Started: {g.date_us(start, 'EST')} ===\n" + g.file_list(5) + "\n")
    report = importer.read_log()
    assert report.bytes_read < 2000 and report.open_run
    assert BackupRun.get(BackupRun.day == date(2026, 2, 22)).status == "running"
    with open(log, "a") as fh:
        fh.write(g.summary(1_000, 10, 7_000_000_000, stats_files=3) +
                 f"\n=== Plex Backup Completed Successfully: {g.date_us(start.replace(minute=9), 'EST')} ===\n")
    report = importer.read_log()
    assert report.bytes_read < 1000
    run = BackupRun.get(BackupRun.day == date(2026, 2, 22))
    assert (run.status, run.duration_seconds, run.total_size_bytes, run.files_transferred) == ("success", 540, 7_000_000_000, 3)
    assert BackupRun.select().count() == 2


def test_the_poller_waits_for_a_line_still_being_written(app, backup_files):
    log, _ = backup_files
    whole = night(21)
    cut = whole.index("Completed") + 5
    log.write_text(whole[:cut])
    importer.read_log()
    assert BackupRun.get().status == "running"
    log.write_text(whole)
    importer.read_log()
    assert BackupRun.get().status == "success"


def test_the_poller_starts_over_after_truncation(app, backup_files):
    log, _ = backup_files
    log.write_text(night(20) + night(21))
    importer.read_log()
    with open(log, "r+") as fh:        # logrotate copytruncate, then the next night is written
        fh.truncate(0)
    with open(log, "a") as fh:
        fh.write(night(22))
    report = importer.read_log()
    assert "truncated" in report.reset
    assert [r[0].day for r in rows()] == [20, 21, 22]


def test_the_poller_notices_a_rewrite_of_the_same_length(app, backup_files):
    log, _ = backup_files
    log.write_text(night(20))
    importer.read_log()
    with open(log, "r+") as fh:
        fh.write(night(21) + night(22))
    report = importer.read_log()
    assert report.reset
    assert [r[0].day for r in rows()] == [20, 21, 22]


def test_the_poller_finishes_the_rotated_file_then_reads_the_new_one(app, backup_files):
    log, _ = backup_files
    start = datetime(2026, 2, 22, 3, 0, 1)
    log.write_text(night(21) + f"=== Plex Backup Started: {g.date_us(start, 'EST')} ===\nsending incremental file list\n")
    importer.read_log()
    with open(log, "a") as fh:          # written after our last read, before rotation
        fh.write(g.summary(5, 5, 6_000_000_000) + "\n")
    os.rename(log, str(log) + ".1")
    log.write_text(f"=== Plex Backup Completed Successfully: {g.date_us(start.replace(minute=4), 'EST')} ===\n" + night(23))
    report = importer.read_log()
    assert "rotated" in report.reset
    got = {r.day.day: (r.status, r.total_size_bytes) for r in BackupRun.select()}
    assert got == {21: ("success", 8_081_447_228), 22: ("success", 6_000_000_000), 23: ("success", 8_081_447_228)}
    cursor = LogCursor.get(LogCursor.name == "log")
    assert cursor.offset == log.stat().st_size and cursor.inode == log.stat().st_ino


import gzip
import shutil

import pytest


@pytest.mark.parametrize("rotated_name,compress", [
    ("-20260223", False), (".2026-02-23", False), (".1.gz", True), ("-20260223.gz", True)])
def test_the_poller_follows_rotation_to_dated_and_compressed_names(app, backup_files, rotated_name, compress):
    log, _ = backup_files
    start = datetime(2026, 2, 22, 3, 0, 1)
    log.write_text(night(21) + f"=== Plex Backup Started: {g.date_us(start, 'EST')} ===\nsending incremental file list\n")
    importer.read_log()
    with open(log, "a") as fh:          # the end of the run, written just before the rotation
        fh.write(g.summary(5, 5, 6_000_000_000) + "\n"
                 + f"=== Plex Backup Completed Successfully: {g.date_us(start.replace(minute=4), 'EST')} ===\n")
    rotated = log.with_name(log.name + rotated_name)
    if compress:                        # logrotate: rename, then gzip into a new file
        with open(log, "rb") as src, gzip.open(rotated, "wb") as dst:
            shutil.copyfileobj(src, dst)
        log.unlink()
    else:
        os.rename(log, rotated)
    log.write_text(night(23))
    importer.read_log()
    got = {r.day.day: (r.status, r.total_size_bytes, r.duration_seconds) for r in BackupRun.select()}
    assert got[22] == ("success", 6_000_000_000, 240)     # its size and times were not lost
    assert set(got) == {21, 22, 23}


def test_a_garbage_line_ending_like_a_marker_does_not_split_a_run(app, backup_files):
    log, _ = backup_files
    start = datetime(2026, 2, 22, 3, 0, 1)
    log.write_text(f"=== Plex Backup Started: {g.date_us(start, 'EST')} ===\n"
                   + "x\x00\x13garbage=== Plex Backup FAILED with code 12: "
                   + f"{g.date_us(start.replace(minute=1), 'EST')} ===\n"
                   + g.summary(5, 5, 6_000_000_000) + "\n"
                   + f"=== Plex Backup Completed Successfully: {g.date_us(start.replace(minute=4), 'EST')} ===\n")
    importer.read_log()
    assert [(r.status, r.total_size_bytes) for r in BackupRun.select()] == [("success", 6_000_000_000)]


def test_it_keeps_tracking_history_when_the_file_is_trimmed(app, backup_files):
    _, tracking = backup_files
    tracking.write_text("".join(f"2026-01-{d:02d}:success\n" for d in range(1, 31)))
    importer.read_tracking()
    tracking.write_text("".join(f"2026-01-{d:02d}:success\n" for d in range(20, 31)) + "2026-01-31:failed\n")
    importer.read_tracking()
    assert BackupRun.select().count() == 31
    assert BackupRun.get(BackupRun.day == date(2026, 1, 31)).status == "failed"


def test_it_reports_bad_tracking_lines_and_keeps_the_good_ones(app, backup_files):
    _, tracking = backup_files
    tracking.write_text("2026-01-01:success\nnot a line\n2026-01-02:failed\n")
    report = importer.read_tracking()
    assert report.bad_lines == 1 and report.tracking_lines == 2
    assert BackupRun.select().count() == 2


def test_the_import_command_reports_what_it_found(app, backup_files):
    log, tracking = backup_files
    log.write_text(night(21) + night(22, code=24))
    tracking.write_text("2026-02-20:success\n")
    result = app.test_cli_runner().invoke(args=["backups", "import", "--log", str(log), "--tracking", str(tracking)])
    assert result.exit_code == 0, result.output
    assert "2 run(s): 1 partial, 1 success" in result.output
    assert "1 day(s) with no log section" in result.output
    again = app.test_cli_runner().invoke(args=["backups", "import", "--log", str(log), "--tracking", str(tracking)])
    assert again.exit_code == 0 and BackupRun.select().count() == 3


def test_the_import_command_fails_clearly_without_files(app, backup_files, tmp_path):
    result = app.test_cli_runner().invoke(args=["backups", "import", "--log", str(tmp_path / "nope.log"),
                                                "--tracking", str(tmp_path / "nope2.log")])
    assert result.exit_code != 0
    assert "not found" in result.output
    assert BackupRun.select().count() == 0


def test_it_warns_when_the_log_names_another_zone(app, backup_files, set_settings):
    log, _ = backup_files
    set_settings(BACKUP_TIMEZONE="Europe/Berlin")
    log.write_text(night(21))
    report = importer.read_log(restart=True)
    assert report.zone_mismatches == 2 and "EST" in " ".join(report.lines())
    assert BackupRun.get().started_at == datetime(2026, 2, 21, 2, 0, 1, tzinfo=UTC)
