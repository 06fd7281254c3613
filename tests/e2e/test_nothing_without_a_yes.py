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
    expect(preview).to_contain_text("Subject: Planned maintenance on My Plex Server")
    assert "%(" not in preview.inner_text()               # written out, not the stored message id
    assert Notification.select().count() == 0 and MaintenanceWindow.select().count() == 0
    save_shot(page, f"yes-{size}-maintenance-preview")
    page.get_by_role("button", name="Plan it and tell 1 person").click()
    page.wait_for_url(base + "/maintenance/")
    expect(page.locator("#window-list")).to_contain_text("New disks in the server")
    assert [n.destination for n in Notification.select()] == ["admin@example.com"]
    assert not errors


@pytest.mark.parametrize("size", ["phone360", "desktop"])
def test_every_kind_of_suggestion_waits_on_the_health_page(app, admin, set_settings, fake_sonarr, browser, serve,
                                                           size):
    """A failed import, a stuck download's series refresh and a timed share that ran out, all listed;
    Do it on the refresh sends exactly it; one click makes timed access automatic."""
    from plexportal.health import service
    from plexportal.invites.models import Access
    from plexportal.lib import clock
    from plexportal.settings import service as settings

    set_settings(SONARR_URL=fake_sonarr.url, SONARR_API_KEY=fake_sonarr.api_key)   # every *_MODE untouched
    pending_import(fake_sonarr, (42000,))
    fake_sonarr.add_series(43, "Another Show With A Rather Long Name", 371235)
    fake_sonarr.episodes[43000]["title"] = "TBA"
    fake_sonarr.add_queue_item(43000, download_id="D-TBA", status="failed", tracked_status="error",
                               tracked_state="failedPending", error_message="qBittorrent is reporting an error")
    Access.create(plex_user_id=77, username="cousin.with.a.long.username", email="cousin@example.com",
                  title="Cousin", share_id=900, pending=False, expires_at=clock.now() - timedelta(hours=2))
    service.run_monitor("import-fix")
    service.run_monitor("stuck")
    service.run_due()
    assert fake_sonarr.commands == [] and fake_sonarr.calls_to("/api/v3/queue/", "DELETE") == []
    assert len(service.suggestions()) == 3

    base = serve(app)
    page, errors = signed_in_page(browser, base, PHONE_360 if size == "phone360" else DESKTOP)
    page.goto(base + "/monitors/")
    card = page.locator("#suggestions")
    expect(card).to_contain_text("Would end Cousin's Plex share")
    expect(card).to_contain_text("Would refresh Another Show With A Rather Long Name in Sonarr")
    expect(card).to_contain_text("no Plex share is ended by the clock until you press Do it")
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    save_shot(page, f"yes-{size}-suggestions")
    refresh = card.locator("li", has_text="Would refresh Another Show")
    page.once("dialog", lambda d: d.accept())
    refresh.get_by_role("button", name="Do it").click()
    expect(page.locator("#toasts")).to_contain_text("Done: refreshed Another Show With A Rather Long Name")
    assert [c["body"] for c in fake_sonarr.commands_named("RefreshSeries")] == [{"seriesId": 43}]
    page.once("dialog", lambda d: d.accept())
    card.get_by_role("button", name="End timed shares automatically from now on").click()
    expect(page.locator("#toasts")).to_contain_text("Timed access will now end on its own")
    assert settings.get("ACCESS_EXPIRY_MODE") == "auto"
    expect(page.locator("#suggestions")).not_to_contain_text("no Plex share is ended by the clock")
    save_shot(page, f"yes-{size}-suggestions-after")
    assert not errors
