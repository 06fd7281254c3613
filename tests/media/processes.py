"""Real processes for the media end-to-end test and the ingest benchmark: gunicorn (one gthread
worker, the default setup) and the Huey consumer on a data dir of their own, on 127.0.0.1."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SECRET_KEY = "media-live-secret-key-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(data_dir: Path, settings: dict, admin_password: str | None = None) -> None:
    """Migrate and store settings the way an admin would have left them, before anything starts."""
    from plexportal import create_app
    from plexportal.cli import upgrade
    from plexportal.config import Config
    from plexportal.db import db
    from plexportal.settings import service as settings_service

    app = create_app(Config(data_dir=data_dir, secret_key=SECRET_KEY, testing=True, huey_immediate=True))
    with app.app_context():
        upgrade()
        with db.connection_context():
            settings_service.set_many(dict(settings))
            if admin_password:
                from plexportal.auth import service as auth_service

                auth_service.create_admin("admin", admin_password, "admin@example.com")
        db.close()
        if hasattr(db.obj, "close_all"):
            db.obj.close_all()
    settings_service.invalidate()


class Stack:
    def __init__(self, data_dir: Path, *, threads: int = 8, worker: bool = True, consumer_workers: int = 2):
        self.data_dir = Path(data_dir)
        self.port = free_port()
        self.threads = threads
        self.worker = worker
        self.consumer_workers = consumer_workers
        self.procs: list[subprocess.Popen] = []
        self.logs: list = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PLEXPORTAL_")}
        env.update(PLEXPORTAL_DATA_DIR=str(self.data_dir), PLEXPORTAL_SECRET_KEY=SECRET_KEY, PYTHONUNBUFFERED="1")
        return env

    def _spawn(self, name: str, args: list[str]) -> None:
        log = open(self.data_dir / f"{name}.log", "wb")  # noqa: SIM115 - the child process writes to it; closed in stop()
        self.logs.append(log)
        self.procs.append(subprocess.Popen(args, cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT,
                                           start_new_session=True))

    def start(self) -> Stack:
        self._spawn("web", [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{self.port}", "--workers", "1",
                            "--threads", str(self.threads), "--worker-class", "gthread", "--log-level", "warning",
                            "wsgi:app"])
        if self.worker:
            self._spawn("worker", [str(BIN / "huey_consumer"), "plexportal.worker.huey", "--workers",
                                   str(self.consumer_workers), "--worker-type", "thread", "--flush-locks"])
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("web did not start:\n" + self.log("web"))

    def log(self, name: str) -> str:
        path = self.data_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        for log in self.logs:
            log.close()
        self.procs.clear()
