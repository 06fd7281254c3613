"""`backups import` and `backups check` on what hosts really have: no files, a log given on the
command line, old or unreadable files, a missing script, and destinations that are not a Plex
backup (not mounted, no Preferences.xml, empty files, a database not copied any more)."""
from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from plexportal.backups import health
from plexportal.backups.models import BackupRun
from plexportal.lib import clock
from tests.backups import loggen as g

LIBRARY, BLOBS = health.DB_NAMES


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(*args):
        return runner.invoke(args=[str(a) for a in args])
    return run


def check_lines(cli) -> tuple[int, dict[str, str]]:
    r = cli("backups", "check")
    found = {}
    for line in r.output.splitlines():
        if line.startswith("[") and "] " in line:
            mark, rest = line[1:].split("] ", 1)
            name, _, message = rest.partition(": ")
            found[name] = f"{mark.strip()}|{message}"
    return r.exit_code, found


def plex_backup(dest: Path, *, nested: str = "Plex Media Server", prefs: bytes = b"<Preferences/>",
                dbs: dict[str, bytes] | None = None) -> Path:
    root = dest / nested
    (root / "Plug-in Support" / "Databases").mkdir(parents=True)
    (root / "Preferences.xml").write_bytes(prefs)
    for name, data in (dbs if dbs is not None else {LIBRARY: b"SQLite format 3\0", BLOBS: b"SQLite format 3\0"}).items():
        (root / "Plug-in Support" / "Databases" / name).write_bytes(data)
    return root


def age(path: Path, delta: timedelta) -> None:
    stamp = (clock.now() - delta).timestamp()
    os.utime(path, (stamp, stamp))


# -- backups import ---------------------------------------------------------------------------------

def test_import_with_neither_file_fails_with_what_to_set(cli, db, set_settings, tmp_path):
    set_settings(BACKUP_LOG_PATH=str(tmp_path / "nothing.log"))
    r = cli("backups", "import")
    assert r.exit_code == 1
    assert f"{tmp_path / 'nothing.log'}: not found" in r.output
    assert "neither file was found; set BACKUP_LOG_PATH or pass --log" in r.output
    assert BackupRun.select().count() == 0


def test_import_of_a_log_given_on_the_command_line_reads_the_tracking_file_beside_it(cli, db, tmp_path):
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    start = datetime(2026, 2, 23, 3, 0, 1)
    log = folder / "plex-backup.log"
    log.write_text(g.section(g.date_c(start, "UTC"), g.date_c(start.replace(minute=7), "UTC"),
                             g.summary(1_234_567, 890, 8_000_000_000)))
    (folder / "plex-backup-tracking.log").write_text("2026-02-23:success\n2026-02-24:failed\n")
    r = cli("backups", "import", "--log", log)
    assert r.exit_code == 0, r.output
    assert f"{log}: read" in r.output and "2 tracking line(s), 1 day(s) with no log section" in r.output
    assert {(str(run.day), run.status) for run in BackupRun.select()} == {("2026-02-23", "success"),
                                                                          ("2026-02-24", "failed")}
    # Safe to repeat: the same rows come out.
    assert cli("backups", "import", "--log", log).exit_code == 0
    assert BackupRun.select().count() == 2


# -- backups check ----------------------------------------------------------------------------------

def test_check_reports_old_files_an_optional_tracking_file_and_an_unknown_schedule(cli, db, set_settings, tmp_path,
                                                                                  monkeypatch):
    log = tmp_path / "plex-backup.log"
    log.write_text("")
    age(log, timedelta(days=4))
    set_settings(BACKUP_LOG_PATH=str(log), CRON_COMMAND=str(tmp_path / "no-crontab"))
    code, found = check_lines(cli)
    assert found["Backup log"].startswith("warn|") and found["Backup log"].endswith("not written to recently")
    assert found["Tracking file"].startswith("warn|") and found["Tracking file"].endswith("(optional)")
    assert found["Backup script"] == "skip|not set (only needed for Run now)"
    assert found["Schedule"].startswith("warn|unknown: the crontab program is not installed here")
    assert found["Destination"] == "skip|not set (BACKUP_DEST_PATH)"
    assert code == 0                                          # warnings only


def test_check_fails_for_a_tracking_file_that_was_set_but_is_missing(cli, db, set_settings, tmp_path):
    set_settings(BACKUP_LOG_PATH=str(tmp_path / "l.log"), BACKUP_TRACKING_PATH=str(tmp_path / "t.log"),
                 BACKUP_SCHEDULE="0 3 * * *")
    code, found = check_lines(cli)
    assert code == 1 and found["Tracking file"] == f"FAIL|{tmp_path / 't.log'} does not exist"


def test_check_fails_for_a_script_that_is_missing_or_not_executable(cli, db, set_settings, tmp_path):
    set_settings(BACKUP_SCRIPT_PATH=str(tmp_path / "backup.sh"), BACKUP_SCHEDULE="0 3 * * *")
    code, found = check_lines(cli)
    assert code == 1 and found["Backup script"] == f"FAIL|The backup script {tmp_path / 'backup.sh'} does not exist."
    script = tmp_path / "backup.sh"
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o644)
    code, found = check_lines(cli)
    assert found["Backup script"].endswith("is not executable (chmod +x).")
    script.chmod(0o755)
    code, found = check_lines(cli)
    assert found["Backup script"] == f"ok|{script}"


def test_check_says_when_the_backup_disk_is_not_mounted(cli, db, set_settings, tmp_path):
    set_settings(BACKUP_DEST_PATH=str(tmp_path / "usb-disk"), BACKUP_SCHEDULE="0 3 * * *")
    code, found = check_lines(cli)
    assert code == 1
    assert found["Destination"] == f"FAIL|{tmp_path / 'usb-disk'} is not a folder (is the backup disk mounted?)"


def test_a_destination_without_preferences_would_lose_the_servers_identity(tmp_path):
    dest = tmp_path / "dest"
    (dest / "Plex Media Server" / "Plug-in Support" / "Databases").mkdir(parents=True)
    [check] = health.verify_destination(dest)
    assert check.level == "bad" and "the server's identity would be lost" in check.message


def test_empty_files_and_a_database_not_copied_lately_are_named(tmp_path):
    root = plex_backup(tmp_path / "dest", prefs=b"", dbs={LIBRARY: b"", BLOBS: b"SQLite format 3\0"})
    age(root / "Plug-in Support" / "Databases" / BLOBS, timedelta(days=5))
    checks = {c.name: c for c in health.verify_destination(tmp_path / "dest")}
    assert checks["Preferences.xml"].level == "bad" and checks["Preferences.xml"].message.startswith("empty file")
    assert (checks[LIBRARY].level, checks[LIBRARY].message) == ("bad", "empty file")
    assert checks[BLOBS].level == "warn" and checks[BLOBS].message.endswith("is the backup copying it?")


def test_preferences_are_found_where_rsync_put_them_but_not_too_deep(tmp_path):
    usual = plex_backup(tmp_path / "a", nested="Library/Application Support/Plex Media Server")
    assert health.find_plex_root(tmp_path / "a") == usual
    nested = plex_backup(tmp_path / "b", nested="snapshots/2026-05-10/plexmediaserver")
    assert health.find_plex_root(tmp_path / "b") == nested
    plex_backup(tmp_path / "c", nested="one/two/three/four/five/six")
    assert health.find_plex_root(tmp_path / "c") is None
    at_top = plex_backup(tmp_path / "d", nested="")
    assert health.find_plex_root(tmp_path / "d") == at_top


def test_an_unreadable_database_file_is_reported_not_raised(tmp_path):
    root = plex_backup(tmp_path / "dest")
    blobs = root / "Plug-in Support" / "Databases" / BLOBS
    blobs.unlink()
    blobs.symlink_to(blobs)                                   # a loop: stat() fails with ELOOP
    checks = {c.name: c for c in health.verify_destination(tmp_path / "dest")}
    assert checks[BLOBS].level == "bad" and checks[BLOBS].message.startswith("cannot be read:")
    assert checks[LIBRARY].level == "ok"


def test_a_log_that_cannot_be_statted_is_a_failed_check(tmp_path):
    loop = tmp_path / "loop.log"
    loop.symlink_to(loop)
    check = health.file_check("Backup log", loop)
    assert check.level == "bad" and "cannot be read" in check.message
