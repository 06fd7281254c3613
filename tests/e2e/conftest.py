"""Browser tests: the real app served by gunicorn on a free 127.0.0.1 port, driven by Playwright
with Debian's Chromium. See tests/e2e/README.md for how to use these fixtures.

- `live_server_factory(settings=…, env=…, admin=…, worker=…)` starts a server on a fresh,
  migrated data dir; `live_server` is one with no admin (the first-visit state).
- `browser` (session), `page` (parametrised over the phone and desktop viewports), `viewport`.
- `shot("name")` saves a full-page screenshot under tests/e2e/screenshots/.
- `sign_in(page, server)` signs in through the real login form.
- `serve(app)` serves an app made in the test process on a free port (for tests that set up or
  inspect its database directly); helpers for those tests are in `inprocess.py`.
A test fails if the page logged a JavaScript error or a CSP violation (`allow_console_errors`
marker to opt out).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.live import LiveServer, prepare_data_dir

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = os.environ.get("PLEXPORTAL_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]
VIEWPORTS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
              "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 900}, "device_scale_factor": 1},
}


def pytest_configure(config):
    config.addinivalue_line("markers", "allow_console_errors: the page may log JavaScript errors")


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
        server = LiveServer(data, env, worker=worker)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()
        # Shown by pytest only when the test failed.
        print(server.logs())


@pytest.fixture
def serve():
    """serve(app) -> base URL: `app` served by werkzeug on a thread of this process."""
    from tests.e2e.inprocess import ServedApp

    served: list[ServedApp] = []

    def start(app) -> str:
        served.append(ServedApp(app))
        return served[-1].url

    yield start
    for s in served:
        s.stop()


@pytest.fixture
def live_server(live_server_factory):
    """A running app with nothing configured and no admin: what a newcomer sees."""
    return live_server_factory()


# -- browser -------------------------------------------------------------------------------------

# Module scope, not session: only one sync Playwright may run at a time in a process, and other
# test modules start their own.
@pytest.fixture(scope="module")
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
            console_errors.append(f"{pg.url}: {msg.text[:160]}")
    pg.on("console", on_console)
    pg.on("pageerror", lambda err: console_errors.append(f"{pg.url}: uncaught {err}"))
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
        # caret="initial": hiding the caret injects a <style>, which the CSP (rightly) blocks.
        page.screenshot(path=str(path), full_page=full_page, caret="initial")
        return path
    return take


def sign_in(page, server: LiveServer, username: str = "admin", password: str = PASSWORD) -> None:
    """Sign in through the real form and wait for the page that follows."""
    page.goto(server.url + "/auth/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)
