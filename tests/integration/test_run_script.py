"""`make run`'s supervisor (scripts/run): web and worker start together and stop together."""
import os
import signal
import socket
import subprocess
import time

import pytest
import requests

from tests.integration.conftest import processes_in_group
from tests.live import BIN, ROOT, flask_cli, free_port, server_env

pytestmark = pytest.mark.slow


def start_run_script(tmp_path, port, **extra):
    env = server_env(tmp_path / "data", PLEXPORTAL_BIND=f"127.0.0.1:{port}", VENV=str(BIN.parent), **extra)
    flask_cli(env, "db", "upgrade")
    log = open(tmp_path / "run.log", "wb")  # noqa: SIM115 - the child process writes to it; closed after
    # Its own process group, like a terminal's foreground job.
    proc = subprocess.Popen(["bash", "scripts/run"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    log.close()
    return proc


def wait_until_gone(pgid, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and processes_in_group(pgid):
        time.sleep(0.1)
    return processes_in_group(pgid)


def test_it_stops_web_and_worker_together_on_ctrl_c(tmp_path):
    port = free_port()
    proc = start_run_script(tmp_path, port, PLEXPORTAL_VERBOSE="true")     # the consumer's own lines too
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        else:
            pytest.fail("web did not come up:\n" + (tmp_path / "run.log").read_text())
        deadline = time.monotonic() + 15
        while "huey_consumer" not in " ".join(processes_in_group(proc.pid)) and time.monotonic() < deadline:
            time.sleep(0.1)
        running = " ".join(processes_in_group(proc.pid))
        assert "gunicorn" in running and "huey_consumer" in running

        os.killpg(proc.pid, signal.SIGINT)          # what Ctrl-C in a terminal does
        assert proc.wait(timeout=90) == 0, (tmp_path / "run.log").read_text()
        assert wait_until_gone(proc.pid) == []
    finally:
        if proc.poll() is None or processes_in_group(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
    log = (tmp_path / "run.log").read_text()
    assert "Shutting down gracefully" in log        # the worker finished its work before leaving


def test_it_stops_both_even_when_ctrl_c_comes_while_they_are_still_starting(tmp_path):
    proc = start_run_script(tmp_path, free_port())
    try:
        time.sleep(0.5)                              # both are still importing the app
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=90) == 0, (tmp_path / "run.log").read_text()
        assert wait_until_gone(proc.pid) == []
    finally:
        if proc.poll() is None or processes_in_group(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)


def test_it_stops_the_worker_and_fails_when_the_web_cannot_start(tmp_path):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]
    proc = start_run_script(tmp_path, port)
    try:
        code = proc.wait(timeout=60)
        assert code != 0
        assert wait_until_gone(proc.pid) == []
    finally:
        busy.close()
        if proc.poll() is None or processes_in_group(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
    log = (tmp_path / "run.log").read_text()
    assert "Address already in use" in log
    assert "the web server (gunicorn) exited" in log


def test_it_prints_one_line_per_event_and_no_routine_task_chatter(tmp_path):
    port = free_port()
    proc = start_run_script(tmp_path, port)
    log = tmp_path / "run.log"
    try:
        deadline = time.monotonic() + 30
        while "worker is ready" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        requests.get(f"http://127.0.0.1:{port}/auth/login", timeout=5)
        time.sleep(3)                       # the scheduler's first round of periodic tasks
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=90) == 0, log.read_text()
    finally:
        if proc.poll() is None or processes_in_group(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
    lines = log.read_text().splitlines()
    assert lines[:1] == ["plexportal: starting the web and the worker (Ctrl-C stops both)"], lines
    assert f"plexportal is ready: open http://127.0.0.1:{port}" in lines
    assert any(line.startswith("plexportal worker is ready: ") for line in lines)
    assert not [line for line in lines if "periodic task" in line or "Executing" in line or "GET /" in line], lines
    assert len(lines) <= 6, lines
