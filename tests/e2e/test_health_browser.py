"""Media health in a real browser: plan a maintenance window (422 next to the field, then the
banner), Run now on a monitor, approve a reported issue; phone and desktop screenshots."""
from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.sqlite_only]

SHOTS = Path(__file__).parent / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def served(app_factory, fake_sonarr):
    from werkzeug.serving import make_server

    from plexportal.auth import service
    from plexportal.monitors.models import IssueFix
    from plexportal.settings import service as settings

    app = app_factory()
    with app.app_context():
        service.create_admin("admin", PASSWORD)
        settings.set_many({"SONARR_URL": fake_sonarr.url, "SONARR_API_KEY": fake_sonarr.api_key,
                           "ISSUE_FIX_MODE": "manual"})
        IssueFix.create(seerr_issue_id=5, issue_type="AUDIO", media_type="tv", tvdb_id=999, title="The Example Show",
                        season=1, episode=2, message="No audio after minute 10", reporter_name="bob", state="review")
    fake_sonarr.add_series(42, "The Example Show", 371234)
    fake_sonarr.add_queue_item(42000, download_id="D1", status="warning", error_message="stalled")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        yield b
        b.close()


def signed_in(browser, base, viewport):
    page = browser.new_context(viewport=viewport).new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "422" not in m.text else None)
    page.goto(base + "/auth/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(base + "/")
    return page, errors


def shot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"health-{name}.png"), full_page=True)


@pytest.mark.parametrize("size,viewport", [("desktop", DESKTOP), ("phone", PHONE)])
def test_maintenance_monitors_and_issues_in_a_browser(served, browser, size, viewport):
    from plexportal.lib import clock

    page, errors = signed_in(browser, served, viewport)
    page.goto(served + "/maintenance/")
    start = (clock.now() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    end = (clock.now() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#starts_at", start)
    page.fill("#ends_at", end)
    page.fill("#message", "New disks")
    page.click("#window-form button[type=submit]")
    page.locator("#window-form .field-error").wait_for()
    assert "The end must be after the start." in page.locator("#window-form").inner_text()
    assert page.input_value("#message") == "New disks"                 # what was typed is kept
    page.fill("#ends_at", (clock.now() + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"))
    page.click("#window-form button[type=submit]")
    page.locator(".banner").wait_for()
    assert "Planned maintenance" in page.locator(".banner").inner_text()
    shot(page, f"maintenance-{size}")

    page.goto(served + "/monitors/stuck")
    page.click("#runs button:has-text('Run now')")
    page.locator(".toast", has_text="Stuck downloads: run started.").wait_for()
    page.locator("#runs td", has_text="found 1, acted on 1").first.wait_for()
    shot(page, f"monitor-{size}")

    page.goto(served + "/monitors/")
    assert page.locator("text=Stuck downloads").first.is_visible()
    shot(page, f"monitors-{size}")

    page.goto(served + "/monitors/issues")
    page.once("dialog", lambda d: d.accept())
    page.click("button:has-text('Approve fix')")
    page.locator(".toast").wait_for()
    assert "Sonarr has no series with TVDB id 999" in page.locator(".toast").inner_text()
    shot(page, f"issues-{size}")
    assert errors == []
