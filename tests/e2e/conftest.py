"""Browser tests: the real app served by gunicorn on a free 127.0.0.1 port, driven by Playwright
with Debian's Chromium. See tests/e2e/README.md for how to use these fixtures.

- `live_server_factory(settings=…, env=…, admin=…, worker=…)` starts a server on a fresh,
  migrated data dir; `live_server` is one with no admin (the first-visit state).
- `browser` (session), `page` (parametrised over the phone and desktop viewports), `viewport`.
- `shot("name")` saves a full-page screenshot under tests/e2e/screenshots/.
- `sign_in(page, server)` signs in through the real login form.
A test fails if the page logged a JavaScript error or a CSP violation (`allow_console_errors`
marker to opt out).
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import PASSWORD, SECRET

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = os.environ.get("PLEXPORTAL_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]
VIEWPORTS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
              "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 900}, "device_scale_factor": 1},
}
# Process configuration a developer's shell or .env must not leak into the server under test.
PROCESS_VARS = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY_PREVIOUS", "TRUSTED_PROXIES", "SECURE_COOKIES")


def pytest_configure(config):
    config.addinivalue_line("markers", "allow_console_errors: the page may log JavaScript errors")


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

    config = Config(data_dir=data_dir, secret_key=SECRET, huey_immediate=True, extra=config_extra)
    app = create_app(config)
    with app.app_context():
        upgrade()
        with db.connection_context():
            if settings:
                settings_service.set_many(dict(settings))
            if admin:
                from plexportal.auth import service as auth_service

                auth_service.create_admin("admin", PASSWORD, "admin@example.com")
    settings_service.invalidate()


class LiveServer:
    """gunicorn (wsgi:app, the project's gunicorn.conf.py) and optionally the Huey consumer, as
    real processes on one data dir."""

    def __init__(self, data_dir: Path, env: dict, worker: bool = False):
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = server_env(data_dir, PLEXPORTAL_BIND=f"127.0.0.1:{self.port}", **env)
        self.log_path = data_dir.parent / f"server-{self.port}.log"
        self.want_worker = worker
        self.procs: dict[str, subprocess.Popen] = {}

    def _spawn(self, name: str, args: list[str]) -> None:
        log = open(self.log_path, "ab")
        self.procs[name] = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()

    def start(self, timeout: float = 30.0) -> "LiveServer":
        bindir = Path(sys.executable).parent
        self._spawn("web", [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"])
        if self.want_worker:
            self._spawn("worker", [sys.executable, str(bindir / "huey_consumer"), "plexportal.worker.huey",
                                   "--workers", "2", "--worker-type", "thread", "--flush-locks",
                                   "--delay", "0.1", "--max-delay", "0.5"])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"{name} exited with {proc.returncode}:\n{self.log()}")
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server not ready within {timeout}s:\n{self.log()}")

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

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-6000:]
        except OSError:
            return ""


@pytest.fixture
def live_server_factory(tmp_path):
    """live_server_factory(settings=None, env=None, admin=False, worker=False) -> LiveServer.

    settings: stored in the database before the server starts (editable in the UI);
    env: extra PLEXPORTAL_* variables for the processes (those settings show as locked);
    admin: create admin / tests.conftest.PASSWORD; worker: also run huey_consumer."""
    servers: list[LiveServer] = []

    def start(settings: dict | None = None, env: dict | None = None, admin: bool = False,
              worker: bool = False) -> LiveServer:
        data = tmp_path / f"live{len(servers)}"
        data.mkdir()
        prepare_data_dir(data, settings=settings, admin=admin)
        server = LiveServer(data, env or {}, worker=worker)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()
        # Shown by pytest only when the test failed.
        print(f"--- {server.url} log ---\n{server.log()}")


@pytest.fixture
def live_server(live_server_factory):
    """A running app with nothing configured and no admin: what a newcomer sees."""
    return live_server_factory()


# -- browser -------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: `apt-get install chromium` "
                    "(or set PLEXPORTAL_TEST_CHROMIUM to its path)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request) -> str:
    """'phone' (390x844) or 'desktop' (1280x900); tests using `page` run once for each."""
    return request.param


@pytest.fixture
def console_errors() -> list[str]:
    return []


@pytest.fixture
def page(browser, viewport, console_errors, request):
    context = browser.new_context(**VIEWPORTS[viewport], locale="en-GB", timezone_id="UTC")
    context.set_default_timeout(10_000)
    pg = context.new_page()

    def on_console(msg):
        # A failed request (a 422 form answer, a deliberate 404) is logged too; that is not a bug.
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            console_errors.append(msg.text)
    pg.on("console", on_console)
    pg.on("pageerror", lambda err: console_errors.append(f"uncaught: {err}"))
    yield pg
    context.close()
    if console_errors and not request.node.get_closest_marker("allow_console_errors"):
        pytest.fail("the page logged errors (CSP violation or JavaScript error):\n" + "\n".join(console_errors))


_counter: dict[str, int] = {}


@pytest.fixture
def shot(page, viewport, request):
    """shot("name") -> Path: a full-page PNG in tests/e2e/screenshots/, named after the test,
    the viewport and the order of the shots (so a directory listing reads as the walk-through)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    test = re.sub(r"\W+", "_", request.node.originalname.removeprefix("test_it_"))
    key = f"{test}-{viewport}"

    def take(name: str, full_page: bool = True) -> Path:
        _counter[key] = _counter.get(key, 0) + 1
        slug = re.sub(r"[^\w-]+", "_", name)
        path = SCREENSHOTS / f"{test}-{viewport}-{_counter[key]:02d}-{slug}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path
    return take


def sign_in(page, server: LiveServer, username: str = "admin", password: str = PASSWORD) -> None:
    """Sign in through the real form and wait for the page that follows."""
    page.goto(server.url + "/auth/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)
