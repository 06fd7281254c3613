"""Media health in a real browser: plan a maintenance window (422 next to the field, then the
banner), Run now on a monitor, approve a reported issue; phone and desktop screenshots."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import PASSWORD
from tests.e2e.inprocess import DESKTOP, PHONE, save_shot, signed_in_page

pytestmark = [pytest.mark.e2e, pytest.mark.sqlite_only]


@pytest.fixture
def served(serve, app_factory, fake_sonarr):
    from plexportal.auth import service
    from plexportal.health.models import IssueFix
    from plexportal.settings import service as settings

    app = app_factory()
    with app.app_context():
        service.create_admin("admin", PASSWORD, "admin@example.com")     # someone to tell about maintenance
        settings.set_many({"SONARR_URL": fake_sonarr.url, "SONARR_API_KEY": fake_sonarr.api_key,
                           "ISSUE_FIX_MODE": "manual"})
        IssueFix.create(seerr_issue_id=5, issue_type="AUDIO", media_type="tv", tvdb_id=999, title="The Example Show",
                        season=1, episode=2, message="No audio after minute 10", reporter_name="bob", state="review")
    fake_sonarr.add_series(42, "The Example Show", 371234)
    fake_sonarr.add_queue_item(42000, download_id="D1", status="warning", error_message="stalled")
    yield serve(app)


@pytest.mark.parametrize("size,viewport", [("desktop", DESKTOP), ("phone", PHONE)])
def test_maintenance_monitors_and_issues_in_a_browser(served, browser, size, viewport):
    from plexportal.lib import clock

    page, errors = signed_in_page(browser, served, viewport)
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
    page.click("#window-form button[type=submit]")            # the preview: message and count first
    page.locator(".announce-preview").wait_for()
    page.click("#window-form button:has-text('Plan it and tell')")
    page.locator(".banner").wait_for()
    assert "Planned maintenance" in page.locator(".banner").inner_text()
    save_shot(page, f"health-maintenance-{size}")

    page.goto(served + "/monitors/stuck")
    page.click("#runs button:has-text('Run now')")
    page.locator(".toast", has_text="Stuck downloads: run started.").wait_for()
    page.locator("#runs td", has_text="found 1, acted on 1").first.wait_for()
    save_shot(page, f"health-monitor-{size}")

    page.goto(served + "/monitors/")
    assert page.locator("text=Stuck downloads").first.is_visible()
    save_shot(page, f"health-monitors-{size}")

    page.goto(served + "/monitors/issues")
    page.once("dialog", lambda d: d.accept())
    page.click("button:has-text('Approve fix')")
    page.locator(".toast").wait_for()
    assert "Sonarr has no series with TVDB id 999" in page.locator(".toast").inner_text()
    save_shot(page, f"health-issues-{size}")
    assert errors == []
