"""The crontab as it really is on hosts: no crontab yet, a crontab program that fails or refuses a
new table, lines of every shape, a schedule setting that wins over the crontab, and reads cached so
the pages do not fork a process each time."""
from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from plexportal.backups import schedule

LONDON = ZoneInfo("Europe/London")
LINE = "0 3 * * * /usr/local/bin/plex-backup.sh >> /var/log/plex-backup.log 2>&1"


@pytest.fixture(autouse=True)
def _no_cached_crontab():
    schedule._cache.clear()
    yield
    schedule._cache.clear()


@pytest.fixture
def crontab(tmp_path, set_settings):
    """Write a crontab program whose answers the test chooses; each run is counted in a file."""
    def make(list_script: str, write_script: str = 'cat > "$TABLE.new" && mv "$TABLE.new" "$TABLE"; exit 0',
             table_text: str = "") -> Path:
        table = tmp_path / "table"
        table.write_text(table_text)
        program = tmp_path / "crontab"
        program.write_text(f"""#!/bin/sh
TABLE={table}
echo run >> {tmp_path / "runs"}
[ "$1" = "-u" ] && shift 2
if [ "$1" = "-l" ]; then {list_script}; fi
if [ "$1" = "-" ]; then {write_script}; fi
exit 2
""")
        program.chmod(program.stat().st_mode | stat.S_IXUSR)
        set_settings(CRON_COMMAND=str(program), CRON_USER="plex",
                     BACKUP_SCRIPT_PATH="/usr/local/bin/plex-backup.sh")
        return table
    return make


def runs(tmp_path) -> int:
    path = tmp_path / "runs"
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_a_user_without_a_crontab_has_an_empty_one(db, crontab):
    crontab('echo "no crontab for plex" >&2; exit 1')
    sched = schedule.current()
    assert (sched.expr, sched.source, sched.error) == ("", "none", "the crontab is empty")


def test_a_crontab_program_that_fails_says_why_in_its_first_line(db, crontab):
    crontab('echo "crontab: must be privileged to use -u" >&2; echo "second line" >&2; exit 1')
    assert schedule.current().error == "crontab -l failed: crontab: must be privileged to use -u"


def test_a_silent_failure_gives_the_exit_code(db, crontab):
    crontab("exit 3")
    assert schedule.current().error == "crontab -l failed: exit 3"


def test_a_crontab_program_that_cannot_be_run_is_a_sentence(db, crontab, tmp_path):
    crontab("exit 0")
    (tmp_path / "crontab").chmod(0o600)               # there, but not executable
    sched = schedule.current()
    assert sched.expr == "" and sched.error.startswith("could not run crontab -l:")


def test_a_crontab_without_a_backup_line_says_so(db, crontab):
    crontab('cat "$TABLE"; exit 0', table_text="MAILTO=root\n*/5 * * * * /usr/bin/other\n")
    assert schedule.current().error == "no backup line in the crontab"


def test_a_backup_line_with_a_broken_schedule_is_not_used(db, crontab):
    crontab('cat "$TABLE"; exit 0', table_text="0 27 * * * /usr/local/bin/plex-backup.sh\n")
    sched = schedule.current()
    assert sched.expr == "" and sched.error == "no backup line in the crontab"


def test_the_schedule_setting_wins_over_the_crontab_and_a_broken_one_does_not(db, crontab, set_settings):
    from plexportal.settings import service
    from plexportal.settings.models import Setting

    crontab('cat "$TABLE"; exit 0', table_text=LINE + "\n")
    set_settings(BACKUP_SCHEDULE="15 2 * * 0")
    sched = schedule.current()
    assert (sched.expr, sched.source, sched.text) == ("15 2 * * 0", "setting", "At 02:15 on Sunday")
    # A value stored before validation existed is not trusted: the crontab is read instead.
    Setting.update(value="every night").where(Setting.key == "BACKUP_SCHEDULE").execute()
    service.invalidate()
    sched = schedule.current()
    assert (sched.expr, sched.source) == ("0 3 * * *", "crontab")
    assert schedule.current(read_cron=False).source == "none"


def test_reads_are_cached_and_a_fresh_read_forks_again(db, crontab, tmp_path):
    crontab('cat "$TABLE"; exit 0', table_text=LINE + "\n")
    for _ in range(5):
        assert schedule.current().expr == "0 3 * * *"
    assert runs(tmp_path) == 1
    schedule.read_crontab(fresh=True)
    assert runs(tmp_path) == 2


def test_a_new_table_the_crontab_program_refuses_is_reported_and_the_old_one_kept(db, crontab, set_settings):
    table = crontab('cat "$TABLE"; exit 0', write_script='echo "bad minute" >&2; exit 1', table_text=LINE + "\n")
    set_settings(CRON_EDIT_ENABLED="true")
    with pytest.raises(schedule.ScheduleError, match="crontab refused the new table: bad minute"):
        schedule.change_crontab_schedule("30 4 * * *")
    assert table.read_text() == LINE + "\n"


def test_changing_the_schedule_needs_a_backup_line_and_an_expression(db, crontab, set_settings):
    crontab('cat "$TABLE"; exit 0', table_text="*/5 * * * * /usr/bin/other\n")
    set_settings(CRON_EDIT_ENABLED="true")
    with pytest.raises(schedule.ScheduleError, match="Enter a schedule."):
        schedule.change_crontab_schedule("   ")
    with pytest.raises(schedule.ScheduleError, match="No backup line found"):
        schedule.change_crontab_schedule("30 4 * * *")


def test_a_macro_line_is_rewritten_as_five_fields(db, crontab, set_settings):
    table = crontab('cat "$TABLE"; exit 0', table_text="@daily /usr/local/bin/plex-backup.sh\n")
    set_settings(CRON_EDIT_ENABLED="true")
    changed = schedule.change_crontab_schedule("@weekly")
    assert changed.expr == "0 0 * * 0"
    assert table.read_text() == "0 0 * * 0 /usr/local/bin/plex-backup.sh\n"


@pytest.mark.parametrize("text, script, expected", [
    # the configured script wins over an earlier line that only looks like a Plex backup
    ("0 1 * * * /opt/plex-backup-old.sh\n0 3 * * * /usr/local/bin/plex-backup.sh\n", "/usr/local/bin/plex-backup.sh",
     (1, "0 3 * * *")),
    # no script configured: the first line mentioning plex and backup
    ("0 1 * * * /usr/bin/other\n30 2 * * * /opt/Plex/run-BACKUP.sh\n", "", (1, "30 2 * * *")),
    # macros; an unknown one (@reboot) is skipped
    ("@reboot /opt/plex-backup.sh\n@weekly /opt/plex-backup.sh\n", "", (1, "@weekly")),
    # comments, variables, blank and short lines are not schedules
    ("# 0 3 * * * /opt/plex-backup.sh\nPATH=/usr/bin\n\n0 3 * /opt/plex-backup.sh\n@daily\n", "", None),
])
def test_it_finds_the_backup_line_among_the_others(text, script, expected):
    line = schedule.find_backup_line(text, script)
    assert (None if line is None else (line.index, line.expr)) == expected


def test_fires_between_keeps_the_newest_when_there_are_too_many():
    after = datetime(2026, 1, 1, tzinfo=UTC)
    fires = schedule.fires_between("0 * * * *", UTC, after, after + timedelta(days=30), limit=24)
    assert len(fires) == 24 and fires[-1] == after + timedelta(days=30)
    assert fires[0] == after + timedelta(days=29, hours=1)


def test_the_previous_run_and_the_period_follow_the_local_clock():
    # 01:30 local on the night the clocks go forward in London (29 March 2026).
    assert schedule.previous_run("30 1 * * *", LONDON, datetime(2026, 3, 30, 12, 0, tzinfo=UTC)) == \
        datetime(2026, 3, 30, 0, 30, tzinfo=UTC)
    assert schedule.period("0 3 * * 1", LONDON, datetime(2026, 3, 1, tzinfo=UTC)) == timedelta(days=7)
    assert schedule.period("0 3 1 * *", LONDON, datetime(2026, 1, 15, tzinfo=UTC)) >= timedelta(days=30)
    assert schedule.period("0 3 * * *", LONDON, datetime(2026, 3, 27, tzinfo=UTC)) == timedelta(days=1)


def test_an_expression_cron_cannot_read_is_explained_as_itself():
    assert schedule.explain("not a schedule") == "not a schedule"
    assert schedule.problem("") is None and schedule.problem("@hourly") is None
