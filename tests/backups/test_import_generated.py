"""A year of nights written by bench/backups_genlog.py, checked run by run against the generator's
own record of what it wrote: every start and end (across both clock changes), status, exit code and
number, through the full import and through the poller reading the file as it grows."""
import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from plexportal.backups import importer, service
from plexportal.backups.models import BackupRun
from plexportal.lib import clock

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def generated(backup_files):
    log, tracking = backup_files
    truth = log.with_name("truth.jsonl")
    subprocess.run([sys.executable, str(ROOT / "bench" / "backups_genlog.py"), str(log), "--years", "1",
                    "--size-mb", "2", "--truth", str(truth)], check=True, capture_output=True)
    return log, tracking, [json.loads(line) for line in truth.read_text().splitlines()]


def stored() -> dict:
    return {r.started_at.isoformat(): r for r in BackupRun.select().where(BackupRun.source == "log")}


def assert_matches(expected: list[dict]) -> None:
    runs = stored()
    assert len(runs) == len(expected) == 365
    wrong = []
    for night in expected:
        run = runs.get(night["started_at"])
        got = None if run is None else {
            "day": run.day, "finished_at": run.finished_at.isoformat(), "duration_seconds": run.duration_seconds,
            "status": run.status, "exit_code": run.exit_code, "sent_bytes": run.sent_bytes,
            "received_bytes": run.received_bytes, "total_size_bytes": run.total_size_bytes,
            "files_transferred": run.files_transferred}
        want = {**{k: v for k, v in night.items() if k != "started_at"}, "day": date.fromisoformat(night["day"])}
        if got != want:
            wrong.append((night["started_at"], got, want))
    assert wrong == []


def test_it_imports_every_generated_night_as_the_generator_wrote_it(app, generated):
    log, tracking, truth = generated
    statuses = {n["status"] for n in truth}
    assert statuses == {"success", "partial", "failed"}            # the year has every kind of night
    assert {n["started_at"][11:13] for n in truth} == {"07", "08"}  # and both sides of the clock changes
    reports = service.import_backup_logs(log, tracking)
    assert_matches(truth)
    assert BackupRun.select().where(BackupRun.source == "tracking").count() == 0   # every day has its section
    text = "\n".join(reports[0].lines())
    counts = {s: sum(n["status"] == s for n in truth) for s in statuses}
    assert f"365 run(s): {counts['failed']} failed, {counts['partial']} partial, {counts['success']} success" in text
    first = {r.key: r.updated_at for r in BackupRun.select()}
    clock.advance(timedelta(hours=1))
    service.import_backup_logs(log, tracking)                      # again: the same rows, no more
    assert_matches(truth)
    assert {r.key: r.updated_at for r in BackupRun.select()} == first   # nothing changed, nothing rewritten
    assert BackupRun.select().count() == 365


def test_the_poller_reading_the_file_as_it_grows_stores_the_same_runs(app, generated):
    log, _tracking, truth = generated
    whole = log.read_bytes()
    log.write_bytes(b"")
    # Cuts inside a file list, inside a marker line and just after one: each poll reads what was added.
    cuts = [len(whole) // 3, whole.index(b"=== Plex Backup Completed", len(whole) // 2) + 10,
            whole.index(b"\n", whole.index(b"=== Plex Backup Started", 3 * len(whole) // 4)) + 1, len(whole)]
    done = 0
    for cut in cuts:
        with open(log, "ab") as fh:
            fh.write(whole[done:cut])
        done = cut
        importer.read_log()
    assert_matches(truth)
    assert BackupRun.select().where(BackupRun.status == "running").count() == 0
