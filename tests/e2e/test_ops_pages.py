"""The Data, Logs and Jobs pages (under Settings) in Chromium, against gunicorn and the real worker,
at phone and desktop size: Create now with progress and a download, the logs with filters and
live following, and Run now on a job."""
import re

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def failed_sign_in(server, name):
    """A wrong password through the real form; the web logs a warning naming the account tried."""
    from tests.integration.conftest import csrf_token

    s = requests.Session()
    token = csrf_token(s.get(server.url + "/auth/login", timeout=10).text)
    r = s.post(server.url + "/auth/login", data={"csrf_token": token, "username": name, "password": "wrong"},
               timeout=10)
    assert r.status_code in (200, 422), r.status_code


def open_page(page, server, path, viewport):
    page.goto(server.url + path)
    expect(page.locator("h1")).to_be_visible()


def test_create_now_shows_progress_and_the_new_archive(live_server_factory, page, shot, viewport):
    # No schedule: only the backup made here, whatever the time of day the test runs.
    server = live_server_factory(admin=True, worker=True, settings={"SERVER_NAME": "Harbour Server",
                                                                   "SELF_BACKUP_SCHEDULE": "off"})
    sign_in(page, server)
    open_page(page, server, "/ops/data", viewport)
    expect(page.get_by_text("No backups of plexportal yet.")).to_be_visible()
    expect(page.locator("nav.chips a[aria-current='page']")).to_have_text("Data")
    shot("data-empty")
    page.get_by_role("button", name="Create now").click()
    expect(page.locator("#data-progress")).to_contain_text(re.compile("Backup (queued|running|success)"))
    expect(page.locator("#data-progress")).to_contain_text("Wrote plexportal-backup-", timeout=30_000)
    expect(page.locator(".toast").filter(has_text="Backup done.")).to_be_visible()
    row = page.locator("#archives tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("manual")
    shot("data-created")
    href = row.get_by_role("link", name=re.compile("Download")).get_attribute("href")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    got = requests.get(server.url + href, cookies=cookies, timeout=10)
    assert got.status_code == 200 and got.content[:2] == b"\x1f\x8b"        # a gzip stream


def test_the_logs_page_filters_and_follows_live(live_server_factory, page, shot, viewport):
    server = live_server_factory(admin=True, settings={"SERVER_NAME": "Harbour Server"})
    failed_sign_in(server, "admin")                   # the web logs a warning: "sign-in failed for admin"
    sign_in(page, server)
    open_page(page, server, "/ops/logs", viewport)
    rows = page.locator("#log-rows tr")
    failed = rows.filter(has_text="sign-in failed for")
    for _ in range(10):                               # records reach the store within a second or two
        if failed.count():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(failed).to_have_count(1)
    expect(failed.locator(".badge")).to_have_text("warning")
    shot("logs")
    page.get_by_label("Level").select_option("30")
    expect(rows.filter(has_text="sign-in ok")).to_have_count(0)
    expect(failed).to_have_count(1)
    assert "level=30" in page.url
    page.get_by_label("Level").select_option("")
    expect(rows.filter(has_text="sign-in ok")).not_to_have_count(0)
    page.get_by_label("Search").fill("sign-in failed")
    expect(rows).to_have_count(1)
    page.get_by_label("Search").fill("")
    expect(rows.filter(has_text="sign-in ok")).not_to_have_count(0)

    page.get_by_label("Follow live").check()
    expect(page.locator("#log-follow")).to_be_visible()
    failed_sign_in(server, "admin")
    expect(failed).to_have_count(2, timeout=15_000)   # arrived without a reload
    expect(rows.first).to_contain_text("sign-in failed for")
    shot("logs-following")


def test_the_jobs_page_lists_tasks_and_runs_one_now(live_server_factory, page, shot, viewport):
    server = live_server_factory(admin=True, worker=True)
    sign_in(page, server)
    open_page(page, server, "/ops/jobs", viewport)
    row = page.locator("table.jobs tbody tr").filter(has_text="Test the connections")
    expect(row).to_contain_text("every 15 minutes")
    row.get_by_role("button", name=re.compile("Run")).click()
    expect(page.locator(".toast").filter(has_text="Queued: Test the connections.")).to_be_visible()
    page.wait_for_timeout(1500)
    deadline_reloads = 20
    while deadline_reloads and "ok" not in row.locator("td[data-label='Outcome']").inner_text():
        page.wait_for_timeout(1000)
        page.reload()
        deadline_reloads -= 1
    expect(row.locator("td[data-label='Outcome']")).to_contain_text("ok")
    expect(row.locator("td[data-label='Last run']")).to_contain_text(re.compile("second|just now|now"))
    shot("jobs")
