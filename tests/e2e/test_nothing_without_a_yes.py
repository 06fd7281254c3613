"""Nothing destructive without a yes, in a real browser at 360 px and desktop size: a failed import
is listed with Do it (and done only after the confirm), and maintenance is previewed before anyone
is told."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.inprocess import DESKTOP, save_shot, signed_in_page
from tests.health.monitors.test_import_fix import DL, pending_import

pytestmark = pytest.mark.e2e

PHONE_360 = {"width": 360, "height": 740}


@pytest.mark.parametrize("size", ["phone360", "desktop"])
def test_a_failed_import_waits_for_do_it(app, admin, set_settings, fake_sonarr, browser, serve, size):
    from plexportal.health import service

    set_settings(SONARR_URL=fake_sonarr.url, SONARR_API_KEY=fake_sonarr.api_key)      # IMPORT_FIX_MODE untouched
    pending_import(fake_sonarr, (42000,))
    service.run_monitor("import-fix")
    assert fake_sonarr.calls_to("/api/v3/queue/", "DELETE") == []

    base = serve(app)
    page, errors = signed_in_page(browser, base, PHONE_360 if size == "phone360" else DESKTOP)
    page.goto(base + "/monitors/")
    card = page.locator("#suggestions")
    expect(card).to_contain_text("Would remove The.Example.Show.S01.1080p.WEB from Sonarr's queue")
    save_shot(page, f"yes-{size}-listed")
    page.once("dialog", lambda d: d.dismiss())                 # the admin says no: nothing happens
    card.get_by_role("button", name="Do it").click()
    page.wait_for_timeout(300)
    assert fake_sonarr.calls_to("/api/v3/queue/", "DELETE") == []
    page.once("dialog", lambda d: d.accept())
    card.get_by_role("button", name="Do it").click()
    expect(page.locator("#toasts")).to_contain_text("Done: remove The.Example.Show.S01.1080p.WEB")
    expect(page.locator("#suggestions")).to_contain_text("Nothing waiting")
    assert len(fake_sonarr.calls_to("/api/v3/queue/", "DELETE")) == 1
    assert [b["downloadId"] for b in fake_sonarr.blocklist] == [DL]
    save_shot(page, f"yes-{size}-done")
    assert not errors


@pytest.mark.parametrize("size", ["phone360", "desktop"])
def test_maintenance_is_previewed_with_its_count_before_anyone_is_told(app, admin, browser, serve, size):
    from plexportal.health.models import MaintenanceWindow
    from plexportal.lib import clock
    from plexportal.notify.models import Notification

    base = serve(app)
    page, errors = signed_in_page(browser, base, PHONE_360 if size == "phone360" else DESKTOP)
    page.goto(base + "/maintenance/")
    page.fill("#starts_at", (clock.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#ends_at", (clock.now() + timedelta(days=1, hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#message", "New disks in the server")
    page.get_by_role("button", name="Preview the announcement").click()
    preview = page.locator(".announce-preview")
    expect(preview).to_contain_text("To: 1 person")
    expect(preview).to_contain_text("New disks in the server")
    assert Notification.select().count() == 0 and MaintenanceWindow.select().count() == 0
    save_shot(page, f"yes-{size}-maintenance-preview")
    page.get_by_role("button", name="Plan it and tell 1 person").click()
    page.wait_for_url(base + "/maintenance/")
    expect(page.locator("#window-list")).to_contain_text("New disks in the server")
    assert [n.destination for n in Notification.select()] == ["admin@example.com"]
    assert not errors
