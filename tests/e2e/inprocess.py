"""Helpers for browser tests that serve the app in this process (werkzeug on a thread), so the test
can set up and inspect the database directly: `serve(app)` (a fixture in conftest.py),
`signed_in_page`, `save_shot`, and the two viewport sizes."""
from __future__ import annotations

import threading
from pathlib import Path

from tests.conftest import PASSWORD

SHOTS = Path(__file__).resolve().parent / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


class ServedApp:
    def __init__(self, app):
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def watch_console(page) -> list[str]:
    """Console errors the page logs, except the failed load of a deliberate 422 form answer."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "422" not in m.text else None)
    return errors


def signed_in_page(browser, base: str, viewport: dict, username: str = "admin", password: str = PASSWORD):
    """A new browser context at `viewport`, signed in through the real form: (page, console errors)."""
    page = browser.new_context(viewport=viewport).new_page()
    errors = watch_console(page)
    sign_in_at(page, base, username, password)
    return page, errors


def sign_in_at(page, base: str, username: str = "admin", password: str = PASSWORD) -> None:
    """Sign `page` in through the real form and wait for the dashboard."""
    page.goto(base + "/auth/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(base + "/")


def save_shot(page, name: str) -> Path:
    """A full-page PNG in tests/e2e/screenshots/<name>.png."""
    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
