"""Who is using the data directory: a web or worker holds the shared lock for as long as it runs,
a restore's exclusive lock is refused meanwhile, and a process starting during a restore starts
anyway (without the lock) rather than hanging. Each role is a real process here."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from plexportal.ops import logstore, running

HOLD = ("import sys; from pathlib import Path; from plexportal.ops import running; "
        "print(running.hold(Path(sys.argv[1]), 'web'), running.hold(Path(sys.argv[1]), 'web'), flush=True); "
        "sys.stdin.read()")


def holder(data_dir: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(data_dir)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    return proc


def test_a_running_process_keeps_a_restore_out_until_it_stops(tmp_path):
    proc = holder(tmp_path)
    try:
        assert proc.stdout.readline().split() == ["True", "True"]       # taken, and taking it again is fine
        with running.Exclusive(tmp_path) as ok:
            assert ok is False
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)
    with running.Exclusive(tmp_path) as ok:
        assert ok is True


def test_a_process_starting_during_a_restore_starts_without_the_lock(tmp_path):
    with running.Exclusive(tmp_path) as ok:
        assert ok
        proc = holder(tmp_path)
        try:
            assert proc.stdout.readline().split() == ["False", "False"]
        finally:
            proc.stdin.close()
            proc.wait(timeout=10)


def test_a_data_dir_that_does_not_exist_is_not_held(tmp_path):
    assert running.hold(tmp_path / "missing" / "deeper", "worker") is False


def test_the_exclusive_lock_makes_its_folder(tmp_path):
    with running.Exclusive(tmp_path / "new") as ok:
        assert ok and (tmp_path / "new" / running.LOCK_NAME).exists()


@pytest.mark.parametrize("argv0, role", [
    ("/usr/local/bin/huey_consumer", "worker"), ("/usr/local/bin/gunicorn", "web"), ("flask", "cli"),
    ("/usr/bin/python3", "cli"), ("manage.py", "cli"), ("", "cli"), ("some-launcher-with-a-long-name", "some-launche"),
])
def test_each_process_says_what_it_is_on_the_logs_page(monkeypatch, argv0, role):
    monkeypatch.setattr(sys, "argv", [argv0])
    assert logstore.process_role() == role
