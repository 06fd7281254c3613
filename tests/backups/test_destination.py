"""The minute tick checks BACKUP_DEST_PATH (a real folder here) and tells the admin once when it
stops looking like a restorable Plex backup, and once when it looks right again."""
import json
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from plexportal.backups.health import DB_NAMES
from plexportal.backups.models import BackupCheck, BackupIncident, BackupRun
from plexportal.backups.tasks import watch_backups_task
from plexportal.lib import clock
from plexportal.notify.models import Notification
from tests.live import BIN, ROOT, prepare_data_dir, server_env

NOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
LIBRARY, BLOBS = DB_NAMES
WRONG = "Backup destination looks wrong on Harbour Server"
RECOVERED = "Backup recovered on Harbour Server: the backup destination looks right again"


def age(path, delta, now=None):
    stamp = ((now or clock.now()) - delta).timestamp()
    os.utime(path, (stamp, stamp))


def make_backup(dest, now=None):
    """What a nightly rsync of the Plex folder leaves: Preferences.xml untouched for months (rsync -a
    keeps the source's times), databases copied a few hours ago."""
    root = dest / "Plex Media Server"
    dbs = root / "Plug-in Support" / "Databases"
    dbs.mkdir(parents=True, exist_ok=True)
    (root / "Preferences.xml").write_text('<Preferences MachineIdentifier="abc123"/>')
    age(root / "Preferences.xml", timedelta(days=200), now)
    for name in DB_NAMES:
        (dbs / name).write_bytes(b"SQLite format 3\0" + b"\0" * 4080)
        age(dbs / name, timedelta(hours=9), now)
    return dbs


@pytest.fixture
def dest(db, backup_files, set_settings, tmp_path):
    folder = tmp_path / "nas" / "plex"
    set_settings(BACKUP_DEST_PATH=str(folder), ADMIN_EMAIL="owner@example.com", SERVER_NAME="Harbour Server")
    clock.freeze(NOW)
    return folder


def alerts():
    return [(n.subject, n.destination) for n in Notification.select().where(Notification.audience == "admin")
            .order_by(Notification.id)]


def tick(after=timedelta(minutes=15)):
    clock.advance(after)
    watch_backups_task.call_local()


def test_it_alerts_once_with_the_reason_and_once_when_it_looks_right_again(dest, logged_in):
    dbs = make_backup(dest)
    watch_backups_task.call_local()
    assert alerts() == []
    assert BackupCheck.get_by_id(1).dest_ok is True

    (dbs / BLOBS).unlink()
    tick()
    assert alerts() == [(WRONG, "owner@example.com")]
    text = Notification.get(Notification.subject == WRONG).text_body
    assert f"The backup destination {dest} does not hold a usable Plex backup" in text
    assert f"{BLOBS}: missing from {dbs}" in text
    assert LIBRARY not in text                      # only what is wrong is listed

    page = logged_in.get("/backups/").get_data(as_text=True)
    assert "looks wrong" in page and f"missing from {dbs}" in page

    # still wrong, and wrong in another way too: nothing more is sent, the page says what is wrong now
    age(dbs / LIBRARY, timedelta(days=3))
    tick()
    tick(timedelta(hours=6))
    assert alerts() == [(WRONG, "owner@example.com")]
    assert "last changed 3 days ago" in BackupCheck.get_by_id(1).dest_message

    # fixed: the next check (every 15 minutes, not every minute) sends the recovery
    make_backup(dest)
    tick(timedelta(minutes=1))
    assert alerts() == [(WRONG, "owner@example.com")]
    tick()
    assert alerts() == [(WRONG, "owner@example.com"), (RECOVERED, "owner@example.com")]
    recovery = Notification.get(Notification.subject == RECOVERED).text_body
    assert recovery.startswith(WRONG)
    tick()
    assert len(alerts()) == 2
    page = logged_in.get("/backups/").get_data(as_text=True)
    assert "looks right" in page and "looks wrong" not in page


def test_the_admin_gets_the_alert_by_email(dest, set_settings, smtp_server):
    set_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.port), SMTP_SECURITY="none",
                 SMTP_FROM="portal@example.com")
    make_backup(dest)
    (dest / "Plex Media Server" / "Preferences.xml").write_text("")
    watch_backups_task.call_local()
    [msg] = smtp_server.wait_for(1)
    assert msg["To"] == "owner@example.com" and msg["Subject"] == WRONG
    assert "Preferences.xml: empty file" in msg.get_body(("plain",)).get_content()


@pytest.mark.parametrize("break_it, words", [
    (lambda dest, dbs: (dbs / LIBRARY).unlink(), f"{LIBRARY}: missing from"),
    (lambda dest, dbs: (dbs / BLOBS).write_bytes(b""), f"{BLOBS}: empty file"),
    (lambda dest, dbs: age(dbs / LIBRARY, timedelta(days=2, hours=1)),
     f"{LIBRARY}: last changed 2 days ago: is the backup copying it?"),
    (lambda dest, dbs: (dbs.parent.parent / "Preferences.xml").unlink(), "no Preferences.xml under"),
    (lambda dest, dbs: shutil.rmtree(dest), "is not a folder (is the backup disk mounted?)"),
], ids=["missing", "empty", "stale", "no-preferences", "not-mounted"])
def test_the_alert_says_which_file_is_wrong(dest, break_it, words):
    dbs = make_backup(dest)
    break_it(dest, dbs)
    watch_backups_task.call_local()
    assert alerts() == [(WRONG, "owner@example.com")]
    assert words in Notification.get(Notification.subject == WRONG).text_body


def test_nothing_is_checked_or_sent_without_a_destination(dest, set_settings, logged_in):
    set_settings(BACKUP_DEST_PATH="")
    watch_backups_task.call_local()
    assert alerts() == [] and BackupCheck.get_by_id(1).dest_ok is None
    assert "Destination" not in logged_in.get("/backups/").get_data(as_text=True)

    set_settings(BACKUP_DEST_PATH=str(dest))        # not there
    tick()
    assert alerts() == [(WRONG, "owner@example.com")]
    # clearing the setting ends the problem without a "recovered" message (nothing was fixed)
    set_settings(BACKUP_DEST_PATH="")
    tick()
    tick()
    assert alerts() == [(WRONG, "owner@example.com")]
    assert BackupIncident.select().where(BackupIncident.closed_at.is_null()).count() == 0
    assert BackupCheck.get_by_id(1).dest_ok is None


def test_it_waits_while_a_backup_is_running(dest):
    dbs = make_backup(dest)
    (dbs / BLOBS).unlink()
    BackupRun.create(key="log:running", source="log", day=NOW.date(), started_at=NOW - timedelta(minutes=5),
                     status="running")
    watch_backups_task.call_local()
    assert alerts() == [] and BackupCheck.get_by_id(1).dest_checked_at is None
    BackupRun.update(status="success", finished_at=clock.now()).where(BackupRun.key == "log:running").execute()
    tick(timedelta(minutes=1))
    assert alerts() == [(WRONG, "owner@example.com")]


def test_the_page_says_when_it_has_not_been_checked_yet(dest, logged_in):
    page = logged_in.get("/backups/").get_data(as_text=True)
    assert f"<code>{dest}</code>" in page and "not checked yet" in page


TICK = """
import json, sys
from datetime import datetime
from pathlib import Path
from plexportal import create_app
from plexportal.config import Config
from plexportal.lib import clock
app = create_app(Config(data_dir=Path(sys.argv[1]), secret_key=sys.argv[2], huey_immediate=True))
with app.app_context():
    from plexportal.backups.tasks import watch_backups_task
    from plexportal.notify.models import Notification
    clock.freeze(datetime.fromisoformat(sys.argv[3]))
    watch_backups_task.call_local()
    print(json.dumps([n.subject for n in Notification.select().order_by(Notification.id)]))
"""


def test_a_restarted_worker_does_not_alert_again(tmp_path):
    """Each tick in a process of its own, as after a restart: the incident is kept in the database."""
    from tests.conftest import SECRET

    data, folder = tmp_path / "data", tmp_path / "nas" / "plex"
    data.mkdir()
    prepare_data_dir(data, settings={"BACKUP_DEST_PATH": str(folder), "BACKUP_LOG_PATH": str(tmp_path / "b.log"),
                                     "ADMIN_EMAIL": "owner@example.com", "SERVER_NAME": "Harbour Server"})

    def worker_tick(at):
        done = subprocess.run(check=False, args=[str(BIN / "python"), "-c", TICK, str(data), SECRET, at.isoformat()], cwd=ROOT,
                              env=server_env(data), capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])

    dbs = make_backup(folder, NOW)
    (dbs / LIBRARY).write_bytes(b"")
    assert worker_tick(NOW) == [WRONG]
    assert worker_tick(NOW + timedelta(minutes=20)) == [WRONG]
    make_backup(folder, NOW + timedelta(minutes=40))
    assert worker_tick(NOW + timedelta(minutes=40)) == [WRONG, RECOVERED]
    assert worker_tick(NOW + timedelta(hours=1)) == [WRONG, RECOVERED]
