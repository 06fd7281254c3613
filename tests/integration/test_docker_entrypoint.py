"""The container entry point and health check, run as plain processes (no Docker engine needed):
`web` migrates and serves, `worker` waits for the migrations, the health check follows /healthz."""
import os
import signal
import subprocess
import sys
import time

import pytest
import requests

from tests.integration.conftest import processes_in_group
from tests.live import BIN, ROOT, free_port, server_env

pytestmark = pytest.mark.slow
ENTRYPOINT = str(ROOT / "deploy" / "docker" / "entrypoint.sh")
HEALTHCHECK = str(ROOT / "deploy" / "docker" / "healthcheck.py")


def container_env(tmp_path, port):
    env = server_env(tmp_path / "data", PLEXPORTAL_BIND=f"127.0.0.1:{port}")
    env["PATH"] = f"{BIN}{os.pathsep}{env['PATH']}"          # the image has these on PATH
    return env


def spawn(args, env, log_path):
    with open(log_path, "wb") as log:
        return subprocess.Popen([ENTRYPOINT, *args], env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def healthy(env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, HEALTHCHECK], env=env, capture_output=True, text=True, timeout=10)


def stop(proc, sig):
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
    try:
        return proc.wait(timeout=30)
    finally:
        if processes_in_group(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)


def test_it_migrates_then_serves_and_the_worker_waits_for_the_migrations(tmp_path):
    port = free_port()
    env = container_env(tmp_path, port)
    assert healthy(env).returncode == 1                        # nothing listening yet

    worker = spawn(["worker"], env, tmp_path / "worker.log")
    # The database is not migrated yet, so the worker must wait (how soon it says so depends on
    # how fast flask starts on a busy machine: poll rather than sleep a fixed time).
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "waiting for the web to migrate" not in (tmp_path / "worker.log").read_text():
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()
        time.sleep(0.5)
    assert worker.poll() is None
    assert "waiting for the web to migrate" in (tmp_path / "worker.log").read_text()
    assert "huey_consumer" not in " ".join(processes_in_group(worker.pid))

    web = spawn([], env, tmp_path / "web.log")                 # no argument: the image's CMD is web
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and healthy(env).returncode != 0:
            time.sleep(0.5)
        assert healthy(env).returncode == 0, (tmp_path / "web.log").read_text()
        assert "applied 0001_foundation" in (tmp_path / "web.log").read_text()
        assert requests.get(f"http://127.0.0.1:{port}/settings/setup", timeout=5).status_code == 200

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "Huey consumer started" not in (tmp_path / "worker.log").read_text():
            time.sleep(0.5)
        assert "Huey consumer started" in (tmp_path / "worker.log").read_text()
    finally:
        web_code = stop(web, signal.SIGTERM)                   # `docker stop` on the web
        worker_code = stop(worker, signal.SIGINT)              # stop_signal: SIGINT on the worker
    assert web_code == 0 and worker_code == 0
    assert "Shutting down gracefully" in (tmp_path / "worker.log").read_text()
    assert healthy(env).returncode == 1


def test_it_runs_any_other_command_as_given(tmp_path):
    env = container_env(tmp_path, free_port())
    done = subprocess.run([ENTRYPOINT, "flask", "--app", "wsgi", "db", "status"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1                                # nothing applied yet: db status says so
    assert "PENDING" in done.stdout
