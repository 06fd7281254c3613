"""Schedules: plain English, next runs, read from and written to the crontab only when allowed."""
import stat
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from plexportal.backups import schedule

NY = ZoneInfo("America/New_York")


@pytest.fixture
def fake_crontab(tmp_path, set_settings):
    """A crontab program that keeps the table in a file, like the real one keeps it in the spool."""
    table = tmp_path / "table"
    table.write_text("MAILTO=root\n# nightly Plex backup\n0 3 * * * /usr/local/bin/plex-backup.sh >> /var/log/plex-backup.log 2>&1\n"
                     "*/5 * * * * /usr/bin/other\n")
    program = tmp_path / "crontab"
    program.write_text(f"""#!/bin/sh
[ "$1" = "-u" ] && shift 2
if [ "$1" = "-l" ]; then cat {table}; exit 0; fi
if [ "$1" = "-" ]; then cat > {table}.new && mv {table}.new {table}; exit 0; fi
exit 2
""")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    set_settings(CRON_COMMAND=str(program), CRON_USER="plex", BACKUP_SCRIPT_PATH="/usr/local/bin/plex-backup.sh",
                 BACKUP_TIMEZONE="America/New_York")
    return table


def test_it_explains_schedules_in_plain_english():
    assert schedule.explain("0 3 * * *") == "At 03:00 every day"
    assert schedule.explain("@weekly") == "At 00:00 on Sunday"
    assert schedule.problem("61 3 * * *").startswith("Not a valid")
    assert schedule.problem("0 3 * *").startswith("Use five fields")
    assert schedule.problem("@reboot")


def test_it_lists_next_runs_in_the_backup_zone_across_dst():
    runs = schedule.next_runs("0 3 * * *", NY, datetime(2026, 3, 7, 12, 0, tzinfo=UTC), 3)
    assert runs == [datetime(2026, 3, 8, 7, 0, tzinfo=UTC), datetime(2026, 3, 9, 7, 0, tzinfo=UTC),
                    datetime(2026, 3, 10, 7, 0, tzinfo=UTC)]
    runs = schedule.next_runs("0 3 * * *", NY, datetime(2026, 3, 6, 12, 0, tzinfo=UTC), 1)
    assert runs == [datetime(2026, 3, 7, 8, 0, tzinfo=UTC)]


def test_it_reads_the_backup_line_from_the_crontab(db, fake_crontab):
    sched = schedule.current()
    assert (sched.expr, sched.source, sched.text) == ("0 3 * * *", "crontab", "At 03:00 every day")


def test_it_refuses_to_edit_the_crontab_unless_allowed(db, fake_crontab):
    with pytest.raises(schedule.ScheduleError, match="turned off"):
        schedule.change_crontab_schedule("30 4 * * *")
    assert "0 3 * * *" in fake_crontab.read_text()


def test_it_validates_before_writing_and_keeps_the_rest_of_the_crontab(logged_in, fake_crontab, set_settings):
    set_settings(CRON_EDIT_ENABLED="true")
    bad = logged_in.post("/backups/schedule", data={"expr": "99 4 * * *"}, htmx=True)
    assert bad.status_code == 422 and "Not a valid cron expression" in bad.get_data(as_text=True)
    assert "0 3 * * *" in fake_crontab.read_text()
    evil = logged_in.post("/backups/schedule", data={"expr": "0 4 * * * ; rm -rf /"}, htmx=True)
    assert evil.status_code == 422
    ok = logged_in.post("/backups/schedule", data={"expr": "30 4 * * 1-5"}, htmx=True)
    assert ok.status_code == 200 and "Crontab updated" in ok.get_data(as_text=True)
    text = fake_crontab.read_text()
    assert "30 4 * * 1-5 /usr/local/bin/plex-backup.sh >> /var/log/plex-backup.log 2>&1" in text
    assert "MAILTO=root" in text and "*/5 * * * * /usr/bin/other" in text and "# nightly Plex backup" in text


def test_it_says_why_the_crontab_cannot_be_read(db, set_settings, tmp_path):
    set_settings(CRON_COMMAND=str(tmp_path / "no-such-crontab"))
    sched = schedule.current()
    assert sched.expr == "" and "not installed" in sched.error


def test_the_schedule_setting_refuses_a_bad_expression(db, set_settings):
    from plexportal.settings import service
    from plexportal.settings.registry import InvalidSetting

    with pytest.raises(InvalidSetting, match="valid cron"):
        service.set_value("BACKUP_SCHEDULE", "0 25 * * *")
    service.set_value("BACKUP_SCHEDULE", "@daily")
    assert schedule.current().expr == "0 0 * * *"
