"""Run now: one at a time, a cooldown, output to a file (never a full pipe), recorded like any run."""
import os
import stat
import subprocess
import sys
from datetime import timedelta

import pytest

from plexportal.backups import runner
from plexportal.backups.models import BackupJob, BackupRun
from plexportal.lib import clock

SECTION_SCRIPT = """#!/bin/sh
echo "=== Plex Backup Started: $(date '+%a %b %d %H:%M:%S %Z %Y') ==="
# far more than a pipe buffer (64 KiB), on both streams
i=0; while [ $i -lt 3000 ]; do echo "Library/Application Support/Plex Media Server/Metadata/file-$i.jpg"; echo "warning line $i" >&2; i=$((i+1)); done
echo "sent 24,265,611 bytes  received 2,202 bytes  1,234.00 bytes/sec"
echo "total size is 8,081,447,228  speedup is 333.04"
echo "=== Plex Backup Completed Successfully: $(date '+%a %b %d %H:%M:%S %Z %Y') ==="
"""


def script(tmp_path, body, name="plex-backup.sh"):
    path = tmp_path / name
    path.write_text(body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def runnable(tmp_path, set_settings):
    def make(body=SECTION_SCRIPT, cooldown="900"):
        path = script(tmp_path, body)
        set_settings(BACKUP_SCRIPT_PATH=str(path), BACKUP_COOLDOWN=cooldown, BACKUP_LOG_PATH=str(tmp_path / "none.log"),
                     TIMEZONE="UTC")
        return path
    return make


def test_run_now_streams_output_larger_than_a_pipe_buffer_to_a_file_and_records_the_run(logged_in, runnable):
    runnable()
    r = logged_in.post("/backups/run", htmx=True)
    assert r.status_code == 200
    job = BackupJob.get()
    assert job.status == "success" and job.exit_code == 0
    size = os.path.getsize(job.output_path)
    assert size > 200_000
    body = r.get_data(as_text=True)
    assert "Backup started" in body and "speedup is 333.04" in body
    run = BackupRun.get()
    assert run.status == "success" and run.total_size_bytes == 8_081_447_228 and run.job_id == job.id
    assert logged_in.get(f"/backups/jobs/{job.id}", headers={"HX-Request": "true"}).status_code == 200


def test_a_second_run_inside_the_cooldown_is_refused_with_the_next_allowed_time(logged_in, runnable):
    runnable(cooldown="600")
    logged_in.post("/backups/run", htmx=True)
    second = logged_in.post("/backups/run")
    assert second.status_code == 429
    assert "Next allowed" in second.get_data(as_text=True)
    assert BackupJob.select().count() == 1
    clock.freeze(clock.now() + timedelta(minutes=11))
    assert logged_in.post("/backups/run", htmx=True).status_code == 200
    assert BackupJob.select().count() == 2


def test_only_one_run_at_a_time(db, runnable):
    runnable(cooldown="0")
    first = runner.request_run("test")
    with pytest.raises(runner.RunRefused, match="already in progress"):
        runner.request_run("test")
    runner.execute(first.id)
    assert runner.request_run("test").id != first.id


def test_a_failing_script_is_recorded_as_a_failed_run_from_its_output(db, runnable):
    runnable("#!/bin/sh\necho 'rsync error: error in file IO (code 11) at receiver.c(374)'\nexit 11\n")
    job = runner.execute(runner.request_run("test").id)
    assert job.status == "failed" and job.exit_code == 11
    run = BackupRun.get()
    assert run.status == "failed" and run.exit_code == 11 and run.source == "job"
    assert "error in file IO" in run.excerpt


def test_a_run_whose_process_vanished_is_marked_so(db, runnable):
    runnable()
    job = runner.request_run("test")
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    BackupJob.update(status="running", started_at=clock.now(), pid=proc.pid, pid_start="1").where(BackupJob.id == job.id).execute()
    assert runner.reap() == 1
    job = BackupJob.get_by_id(job.id)
    assert job.status == "vanished" and "vanished" in job.note


def test_run_now_explains_a_missing_script(logged_in, set_settings, tmp_path):
    set_settings(BACKUP_SCRIPT_PATH=str(tmp_path / "missing.sh"))
    r = logged_in.post("/backups/run", htmx=True)
    assert "does not exist" in r.get_data(as_text=True)
    assert BackupJob.select().count() == 0


def test_the_run_command_prints_the_output_live_and_exits_with_the_result(app, runnable):
    runnable("#!/bin/sh\necho hello from the script\nexit 0\n")
    result = app.test_cli_runner().invoke(args=["backups", "run"])
    assert result.exit_code == 0, result.output
    assert "hello from the script" in result.output and "Backup run success" in result.output
    again = app.test_cli_runner().invoke(args=["backups", "run"])
    assert again.exit_code != 0 and "Next allowed" in again.output


def test_an_htmx_refusal_keeps_the_job_panel_and_says_why(logged_in, runnable):
    runnable(cooldown="600")
    logged_in.post("/backups/run", htmx=True)
    r = logged_in.post("/backups/run", htmx=True)
    assert r.headers.get("HX-Reswap") == "none"
    assert "Next allowed" in r.get_data(as_text=True)


def test_run_now_waits_while_the_scheduled_backup_is_running(db, runnable):
    runnable(cooldown="0")
    BackupRun.create(key="log:now", source="log", day=clock.now().date(), started_at=clock.now() - timedelta(minutes=3),
                     status="running")
    with pytest.raises(runner.RunRefused, match="running right now"):
        runner.request_run("test")
    assert BackupJob.select().count() == 0
