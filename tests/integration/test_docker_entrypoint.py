"""The container entry point and health check, run as plain processes (no Docker engine needed):
`web` migrates and serves, `worker` waits for the migrations, the health check follows /healthz."""
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.integration.conftest import processes_in_group
from tests.live import BIN, ROOT, free_port, server_env

# The newest migration, whatever it is: these tests are about "the last one applied", not its name.
LATEST = max(p.stem for p in (Path(__file__).resolve().parents[2] / "migrations").glob("[0-9]*.py"))

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
    return subprocess.run(check=False, args=[sys.executable, HEALTHCHECK], env=env, capture_output=True, text=True, timeout=10)


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
    done = subprocess.run(check=False, args=[ENTRYPOINT, "flask", "--app", "wsgi", "db", "status"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1                                # nothing applied yet: db status says so
    assert "PENDING" in done.stdout


def _old_database(data_dir):
    """A data dir as an older version left it: migrated up to 0082, with an admin."""
    from playhouse.migrations import Runner

    from plexportal import create_app
    from plexportal.cli import MIGRATIONS_DIR
    from plexportal.config import Config
    from plexportal.db import db
    from tests.conftest import SECRET

    data_dir.mkdir(parents=True)
    app = create_app(Config(data_dir=data_dir, secret_key=SECRET, testing=True, huey_immediate=True))
    with app.app_context():
        db.connect(reuse_if_open=True)
        Runner(db.obj, str(MIGRATIONS_DIR)).up("0082_monitor_first_seen")
        db.execute_sql("INSERT INTO \"user\" (username, display_name, role, session_version, is_active, created_at) "
                       "VALUES ('owner', 'Owner', 'admin', 1, 1, '2026-01-02 03:04:05')")
        db.close()
        db.obj.close_all()


def test_the_web_backs_up_before_migrating_an_older_database(tmp_path):
    port = free_port()
    env = container_env(tmp_path, port)
    _old_database(tmp_path / "data")
    web = spawn(["web"], env, tmp_path / "web.log")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and healthy(env).returncode != 0:
            assert web.poll() is None, (tmp_path / "web.log").read_text()
            time.sleep(0.5)
        log = (tmp_path / "web.log").read_text()
        (archive,) = (tmp_path / "data" / "backups").glob("plexportal-backup-*-upgrade.tar.gz")
        assert f"Backed up plexportal before upgrading: {archive}" in log
        assert log.index("Backed up plexportal") < log.index(f"applied {LATEST}")
    finally:
        assert stop(web, signal.SIGTERM) == 0


def test_run_now_works_in_the_container_against_the_mounted_script_log_and_destination(tmp_path):
    """The compose file's mounts, stood in for by folders: the script (bash + rsync, as the image
    has them) copies the 'Plex data' to the 'destination' and writes the backup log, all started
    by Run now in the web and run by the worker."""
    from tests.integration.conftest import csrf_token, signed_in_session
    from tests.live import prepare_data_dir

    plex = tmp_path / "plexmediaserver" / "Library"
    (plex / "Plug-in Support" / "Databases").mkdir(parents=True)
    (plex / "Preferences.xml").write_text("<Preferences/>")
    (plex / "Plug-in Support" / "Databases" / "com.plexapp.plugins.library.db").write_bytes(b"x" * 50_000)
    dest, log = tmp_path / "mnt-backup", tmp_path / "plex-backup.log"
    script = tmp_path / "plex-backup.sh"
    script.write_text(f"""#!/usr/bin/env bash
set -euo pipefail
echo "=== Plex Backup Started: $(date) ===" >> {log}
rsync -a --stats "{plex}/" "{dest}/" | tee -a {log}
echo "=== Plex Backup Completed: $(date) ===" >> {log}
""")
    script.chmod(0o755)
    port = free_port()
    env = container_env(tmp_path, port)
    env.update(PLEXPORTAL_BACKUP_SCRIPT_PATH=str(script), PLEXPORTAL_BACKUP_LOG_PATH=str(log),
               PLEXPORTAL_BACKUP_DEST_PATH=str(dest), PLEXPORTAL_BACKUP_COOLDOWN="0")
    prepare_data_dir(tmp_path / "data", admin=True)
    web = spawn(["web"], env, tmp_path / "web.log")
    worker = spawn(["worker"], env, tmp_path / "worker.log")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and healthy(env).returncode != 0:
            time.sleep(0.5)
        base = f"http://127.0.0.1:{port}"
        s = signed_in_session(base)
        token = csrf_token(s.get(base + "/backups/", timeout=10).text)
        r = s.post(base + "/backups/run", headers={"X-CSRFToken": token, "HX-Request": "true"}, timeout=10)
        assert r.status_code == 200 and "Backup started" in r.text, r.text
        job_url = base + re.search(r'hx-get="(/backups/jobs/\d+)"', r.text).group(1)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "Manual run" in (page := s.get(job_url, timeout=10).text) \
                and re.search(r"badge-\w+\">(queued|running)<", page):
            time.sleep(0.5)
        assert re.search(r"Manual run\s*<span class=\"badge badge-ok\">success</span>", page), page
        assert (dest / "Plug-in Support" / "Databases" / "com.plexapp.plugins.library.db").stat().st_size == 50_000
        assert "Number of files" in log.read_text()          # rsync --stats, through the script
        assert "Number of files" in page                     # and its output on the page
    finally:
        stop(worker, signal.SIGINT)
        stop(web, signal.SIGTERM)
