"""The Backups page in a real browser: state, charts, expanding a run's log, filters, Run now."""
import re
import stat
import threading
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parent.parent / "e2e" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@pytest.fixture
def served(app_factory, tmp_path):
    app = app_factory()
    with app.app_context():
        from plexportal.auth import service as auth
        from plexportal.backups.models import BackupRun
        from plexportal.db import db_session
        from plexportal.settings import service as settings

        with db_session():
            auth.create_admin("admin", PASSWORD, "admin@example.com")
            script = tmp_path / "plex-backup.sh"
            script.write_text("#!/bin/sh\necho copying the Plex folder\nsleep 1\n"
                              "echo 'sent 1,000 bytes  received 10 bytes  100.00 bytes/sec'\n"
                              "echo 'total size is 8,000,000,000  speedup is 1.00'\n")
            script.chmod(script.stat().st_mode | stat.S_IXUSR)
            settings.set_many({"BACKUP_SCHEDULE": "0 3 * * *", "TIMEZONE": "America/New_York",
                               "BACKUP_SCRIPT_PATH": str(script), "BACKUP_LOG_PATH": str(tmp_path / "none.log")})
            today = date.today()
            from plexportal.lib import clock
            clock.freeze(datetime(today.year, today.month, today.day, 12, 0, tzinfo=timezone.utc))
            for i in range(61):
                d = today - timedelta(days=60 - i)
                start = datetime(d.year, d.month, d.day, 8, 0, tzinfo=timezone.utc)
                BackupRun.create(key=f"log:{i}", source="log", day=d, started_at=start,
                                 finished_at=start + timedelta(minutes=7), duration_seconds=420,
                                 status="failed" if i == 50 else "success", exit_code=12 if i == 50 else 0,
                                 total_size_bytes=8_000_000_000 + i, excerpt=f"rsync said night {i}")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_the_backups_page_works_in_a_browser(served):
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for name, viewport in (("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})):
            page = browser.new_page(viewport=viewport)
            errors = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(served + "/auth/login")
            page.fill("input[name=username]", "admin")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(lambda u: "/auth/login" not in u)
            page.goto(served + "/backups/")
            expect(page.locator(".bk-state")).to_contain_text("Backups are on schedule")
            # Chart.js drew both charts (a canvas with pixels has a non-zero size)
            page.wait_for_function("document.getElementById('bk-size') && window.Chart && Chart.getChart('bk-size')")
            assert page.evaluate("Chart.getChart('bk-duration').data.datasets.length") == 2
            page.screenshot(path=str(SHOTS / f"backups-{name}.png"), full_page=True)
            # expand a run's log, then filter the history to failures
            page.locator("#history button", has_text="Log").first.click()
            expect(page.locator(".bk-detail pre").first).to_contain_text(
                re.compile("rsync said night|copying the Plex folder"))
            page.select_option("select[name=status]", "failed")
            expect(page.locator("#history")).to_contain_text("1 run match")
            expect(page.locator("#history")).to_contain_text("code 12")
            if name == "desktop":
                page.once("dialog", lambda d: d.accept())
                page.click("text=Run now")
                expect(page.locator("#job")).to_contain_text("copying the Plex folder", timeout=15000)
                expect(page.locator("#job")).to_contain_text("success", timeout=15000)
                page.screenshot(path=str(SHOTS / "backups-run-now.png"), full_page=False)
            assert errors == []
            page.close()
        browser.close()
