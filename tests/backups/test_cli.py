"""`backups last` and `backups check`: the state in words, problems with a non-zero exit."""
from datetime import UTC, date, datetime, timedelta

from plexportal.backups.models import BackupRun
from plexportal.lib import clock


def test_last_says_what_happened_in_words(app, set_settings):
    set_settings(TIMEZONE="UTC", BACKUP_SCHEDULE="0 3 * * *")
    assert "No backup has been recorded yet" in app.test_cli_runner().invoke(args=["backups", "last"]).output
    start = datetime(2026, 5, 10, 3, 0, tzinfo=UTC)
    BackupRun.create(key="log:1", source="log", day=date(2026, 5, 10), started_at=start, finished_at=start + timedelta(seconds=398),
                     duration_seconds=398, status="partial", exit_code=24, total_size_bytes=8_081_447_228, files_transferred=1234)
    clock.freeze(start + timedelta(hours=2))
    out = app.test_cli_runner().invoke(args=["backups", "last"]).output
    assert "2026-05-10 03:00" in out and "some files not copied (exit code 24)" in out
    assert "6 min 38 s" in out and "8.1 GB" in out and "1,234 files" in out


def test_check_fails_when_the_log_is_missing_and_passes_when_all_is_there(app, set_settings, tmp_path):
    set_settings(BACKUP_LOG_PATH=str(tmp_path / "missing.log"), BACKUP_SCHEDULE="0 3 * * *", TIMEZONE="UTC")
    result = app.test_cli_runner().invoke(args=["backups", "check"])
    assert result.exit_code == 1 and "[FAIL] Backup log" in result.output and "does not exist" in result.output
    log = tmp_path / "plex-backup.log"
    log.write_text("")
    (tmp_path / "plex-backup-tracking.log").write_text("")
    set_settings(BACKUP_LOG_PATH=str(log))
    clock.freeze(datetime(2026, 5, 10, 4, 0, tzinfo=UTC))
    start = datetime(2026, 5, 10, 3, 0, tzinfo=UTC)
    BackupRun.create(key="log:1", source="log", day=date(2026, 5, 10), started_at=start, finished_at=start, status="success")
    clock.reset()
    result = app.test_cli_runner().invoke(args=["backups", "check"])
    assert "[ok  ] Backup log" in result.output


def test_check_verifies_a_fresh_plex_database_pair_at_the_destination(app, set_settings, tmp_path):
    dest = tmp_path / "dest"
    root = dest / "Plex Media Server"
    (root / "Plug-in Support" / "Databases").mkdir(parents=True)
    (root / "Preferences.xml").write_text("<Preferences/>")
    (root / "Plug-in Support/Databases/com.plexapp.plugins.library.db").write_bytes(b"SQLite format 3\0" * 10)
    set_settings(BACKUP_DEST_PATH=str(dest), BACKUP_LOG_PATH=str(tmp_path / "l.log"))
    out = app.test_cli_runner().invoke(args=["backups", "check"])
    assert out.exit_code == 1
    assert "[ok  ] Preferences.xml" in out.output and "[ok  ] com.plexapp.plugins.library.db:" in out.output
    assert "[FAIL] com.plexapp.plugins.library.blobs.db: missing" in out.output
