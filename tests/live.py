"""Real plexportal processes for tests: gunicorn (wsgi:app with the project's gunicorn.conf.py)
and the Huey consumer on a data dir of their own, on a free 127.0.0.1 port. Used by the browser
tests (tests/e2e) and the integration tests (tests/integration)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.conftest import PASSWORD, SECRET

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# Process configuration a developer's shell or .env must not leak into the server under test.
PROCESS_VARS = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY_PREVIOUS", "TRUSTED_PROXIES", "SECURE_COOKIES")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(data_dir: Path, **extra: str) -> dict:
    """The environment for a plexportal process on `data_dir`: the test secret key, nothing
    inherited from the developer's PLEXPORTAL_* variables or .env, plus `extra` (PLEXPORTAL_…)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLEXPORTAL_")}
    env.update({f"PLEXPORTAL_{name}": "" for name in PROCESS_VARS})
    env.update(PLEXPORTAL_DATA_DIR=str(data_dir), PLEXPORTAL_SECRET_KEY=SECRET, PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def prepare_data_dir(data_dir: Path, settings: dict | None = None, admin: bool = False, **config_extra) -> None:
    """Migrate a fresh data dir and store settings (and an admin) before any server starts, the
    way an admin would have left them; runs in this process, on the server's own database."""
    from plexportal import create_app
    from plexportal.cli import upgrade
    from plexportal.config import Config
    from plexportal.db import db
    from plexportal.settings import service as settings_service

    # testing=True: this process only prepares the files; no background log-store thread of its own
    # may write to them while the pool is closed below (that crashed SQLite in a browser test).
    config = Config(data_dir=data_dir, secret_key=SECRET, testing=True, huey_immediate=True, extra=config_extra)
    app = create_app(config)
    with app.app_context():
        upgrade()
        with db.connection_context():
            if settings:
                settings_service.set_many(dict(settings))
            if admin:
                from plexportal.auth import service as auth_service

                auth_service.create_admin("admin", PASSWORD, "admin@example.com")
        if hasattr(db.obj, "close_all"):
            db.obj.close_all()          # a pooled connection would otherwise stay open on the server's file
    settings_service.invalidate()


def flask_cli(env: dict, *args: str, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run `flask --app wsgi ARGS` as an operator would; raises with its output if it fails."""
    done = subprocess.run(check=False, args=[str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise AssertionError(f"flask {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


class LiveServer:
    """gunicorn (wsgi:app, the project's gunicorn.conf.py) and optionally the Huey consumer
    (`huey_consumer plexportal.worker.huey`), as real processes sharing one configuration.
    `env` adds PLEXPORTAL_* variables (e.g. PLEXPORTAL_DATABASE_URL); each process logs to
    `<name>.log` beside the data dir (`server.log("worker")`)."""

    def __init__(self, data_dir: Path, env: dict | None = None, worker: bool = False):
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = server_env(data_dir, PLEXPORTAL_BIND=f"127.0.0.1:{self.port}", **(env or {}))
        self.log_dir = data_dir.parent / f"logs-{data_dir.name}"
        self.log_dir.mkdir(exist_ok=True)
        self.want_worker = worker
        self.procs: dict[str, subprocess.Popen] = {}

    def _spawn(self, name: str, args: list[str]) -> None:
        with open(self.log_dir / f"{name}.log", "ab") as log:
            self.procs[name] = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                                stdin=subprocess.DEVNULL, start_new_session=True)

    def start(self, timeout: float = 30.0, healthz_status: int = 200) -> LiveServer:
        """Start the processes and wait until /healthz answers `healthz_status`."""
        self._spawn("web", [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"])
        if self.want_worker:
            # Short polling so a test does not wait for the consumer's idle back-off.
            self._spawn("worker", [str(BIN / "huey_consumer"), "plexportal.worker.huey", "--workers", "2",
                                   "--worker-type", "thread", "--flush-locks"])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"{name} exited with {proc.returncode}:\n{self.log(name)}")
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code == healthz_status:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server not ready within {timeout}s:\n{self.logs()}")

    def stop(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is None:
                # gunicorn stops gracefully on TERM, the Huey consumer on INT.
                proc.send_signal(signal.SIGINT if name == "worker" else signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)

    def log(self, name: str = "web") -> str:
        try:
            return (self.log_dir / f"{name}.log").read_text(errors="replace")
        except OSError:
            return ""

    def logs(self, tail: int = 8000) -> str:
        return "\n".join(f"--- {name} ({self.url}) ---\n{self.log(name)[-tail:]}" for name in self.procs)
