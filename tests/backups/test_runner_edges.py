"""Run now when the script or the worker misbehaves: a script that is not executable or not a
program, a job delivered twice or while another run holds the lock, jobs the worker never started,
and runs recorded from the script's own output (rsync's summary, partial transfers, nothing at all)."""
from __future__ import annotations

import fcntl
import stat
from datetime import timedelta

import pytest

from plexportal.backups import runner
from plexportal.backups.models import BackupJob, BackupRun
from plexportal.lib import clock

RSYNC_ONLY = """#!/bin/sh
echo "building file list ... done"
echo "sent 1,234,567 bytes  received 2,202 bytes  1,234.00 bytes/sec"
echo "total size is 8,081,447,228  speedup is 333.04"
exit {code}
"""


@pytest.fixture
def script(tmp_path, set_settings):
    def make(body: str, executable: bool = True, cooldown: str = "0"):
        path = tmp_path / "plex-backup.sh"
        path.write_text(body)
        if executable:
            path.chmod(path.stat().st_mode | stat.S_IXUSR)
        set_settings(BACKUP_SCRIPT_PATH=str(path), BACKUP_COOLDOWN=cooldown,
                     BACKUP_LOG_PATH=str(tmp_path / "none.log"), TIMEZONE="UTC")
        return path
    return make


def run_once(body_job=None) -> BackupJob:
    job = body_job or runner.request_run("test")
    return runner.execute(job.id)


def test_a_script_that_is_not_executable_is_refused_before_anything_is_queued(db, script):
    path = script("#!/bin/sh\nexit 0\n", executable=False)
    with pytest.raises(runner.RunRefused, match=f"The backup script {path} is not executable"):
        runner.request_run("test")
    assert BackupJob.select().count() == 0


def test_a_script_that_is_not_a_program_fails_with_the_reason(db, script):
    script("just some words, no interpreter line\n")
    job = run_once()
    assert job.status == "failed" and job.note.startswith("Could not start the script: Exec format error")
    [run] = BackupRun.select()
    assert run.source == "job" and run.status == "failed"


def test_a_job_delivered_twice_runs_the_script_once(db, script, tmp_path):
    script(f"#!/bin/sh\necho ran >> {tmp_path / 'count'}\n")
    job = runner.request_run("test")
    assert runner.execute(job.id).status == "success"
    assert runner.execute(job.id) is None
    assert (tmp_path / "count").read_text() == "ran\n"


def test_a_run_while_another_holds_the_lock_does_not_start(db, script, app, tmp_path):
    script(f"#!/bin/sh\necho ran >> {tmp_path / 'count'}\n")
    job = runner.request_run("test")
    with open(runner.jobs_dir() / "run.lock", "a+b") as other:
        fcntl.flock(other.fileno(), fcntl.LOCK_EX)
        done = runner.execute(job.id)
    assert done.status == "failed" and done.note == "Another backup run was still going."
    assert not (tmp_path / "count").exists()


def test_a_run_from_rsync_output_alone_is_recorded_with_its_figures(db, script):
    script(RSYNC_ONLY.format(code=0))
    job = run_once()
    run = BackupRun.get(BackupRun.job == job.id)
    assert (run.source, run.status, run.exit_code) == ("job", "success", 0)
    assert run.sent_bytes == 1_234_567 and run.total_size_bytes == 8_081_447_228
    assert "speedup is 333.04" in run.excerpt


@pytest.mark.parametrize("code, status", [(24, "partial"), (23, "partial"), (12, "failed"), (1, "failed")])
def test_rsyncs_exit_code_decides_the_runs_status(db, script, code, status):
    script(RSYNC_ONLY.format(code=code))
    job = run_once()
    assert job.status == "failed" and job.exit_code == code
    assert BackupRun.get(BackupRun.job == job.id).status == status


def test_a_queued_job_the_worker_never_started_is_failed_after_an_hour(db, script):
    script("#!/bin/sh\nexit 0\n")
    job = runner.request_run("test")
    clock.advance(timedelta(minutes=59))
    assert runner.reap() == 0
    clock.advance(timedelta(minutes=2))
    assert runner.reap() == 1
    done = BackupJob.get_by_id(job.id)
    assert done.status == "failed" and done.note == "Never started: is the worker running?"
    assert runner.request_run("again").status == "queued"                # nothing blocks the next one


def test_a_job_marked_running_without_a_process_is_given_up_after_five_minutes(db, script):
    script("#!/bin/sh\nexit 0\n")
    job = runner.request_run("test")
    BackupJob.update(status="running", started_at=clock.now()).where(BackupJob.id == job.id).execute()
    assert runner.reap() == 0
    clock.advance(timedelta(minutes=6))
    assert runner.reap() == 1
    done = BackupJob.get_by_id(job.id)
    assert done.status == "vanished" and done.note == "The run never started its process."
    assert runner.status_of(done) == "failed"


def test_the_job_page_of_an_unknown_job_is_not_found(logged_in):
    assert logged_in.get("/backups/jobs/999").status_code == 404


def test_the_live_output_shows_the_end_and_says_it_was_cut(db, script, tmp_path):
    script("#!/bin/sh\nexit 0\n")
    job = runner.request_run("test")
    with open(job.output_path, "wb") as fh:
        fh.write(b"first line\n" + b"x" * runner.LIVE_BYTES + b"\nlast line\n")
    text, cut = runner.output_tail(job)
    assert cut and text.endswith("last line\n") and "first line" not in text
    BackupJob.update(output_path=str(tmp_path / "gone.log")).where(BackupJob.id == job.id).execute()
    assert runner.output_tail(BackupJob.get_by_id(job.id)) == ("", False)
