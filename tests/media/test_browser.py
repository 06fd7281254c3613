"""The media pages in Chromium against the real processes: requests list and filters, a request's
followers, the inbox and a payload, the setup page; at phone and desktop sizes (screenshots in
tests/e2e/screenshots/)."""
import base64
import sqlite3
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import PASSWORD
from tests.media.conftest import FIXTURES
from tests.media.processes import Stack, prepare

pytestmark = [pytest.mark.e2e, pytest.mark.sqlite_only]
SHOTS = Path(__file__).resolve().parents[1] / "e2e" / "screenshots"
SECRET = "browser-webhook-secret"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update"]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    data = tmp_path_factory.mktemp("browser")
    prepare(data, {"WEBHOOK_SECRET": SECRET, "BASE_URL": "https://portal.example.com", "AVAILABILITY_CHECK": "none",
                   "SERVER_NAME": "Harbour Server"}, admin_password=PASSWORD)
    stack = Stack(data).start()
    basic = {"Authorization": "Basic " + base64.b64encode(f"x:{SECRET}".encode()).decode(),
             "Content-Type": "application/json"}
    for source, name in [("seerr", "seerr_media_approved_tv"), ("seerr", "seerr_media_pending_movie"),
                         ("sonarr", "sonarr_v4_import_complete"), ("sonarr", "sonarr_v4_download"),
                         ("radarr", "radarr_v5_download_upgrade_unknown_date"), ("sonarr", "sonarr_v4_grab")]:
        body = (FIXTURES / f"{name}.json").read_bytes()
        assert requests.post(f"{stack.url}/webhooks/{source}", data=body, headers=basic).status_code == 200
    bad = requests.post(f"{stack.url}/webhooks/radarr", data=b"<not json>", headers=basic)
    assert bad.status_code == 400
    deadline = time.time() + 30                      # the worker processes them in the background
    while time.time() < deadline:
        with sqlite3.connect(data / "plexportal.db") as conn:
            if not conn.execute("SELECT COUNT(*) FROM webhook_event WHERE status = 'received'").fetchone()[0]:
                break
        time.sleep(0.2)
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        yield b
        b.close()


def signed_in(browser, live, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.url)
    # Posters point at image.tmdb.org; tests never leave 127.0.0.1, so those loads are cut here.
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("http://127.0.0.1")
                  else route.abort())
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text)
            if m.type == "error" and "ERR_FAILED" not in m.text else None)
    page.goto(f"{live.url}/auth/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live.url}/")
    return page, errors


@pytest.mark.parametrize("size,width,height", [("phone", 390, 844), ("desktop", 1280, 900)])
def test_it_shows_requests_followers_and_the_inbox(browser, live, size, width, height):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page, errors = signed_in(browser, live, width, height)
    page.goto(f"{live.url}/media/requests")
    page.wait_for_selector("text=The Example Show")
    assert page.locator("text=Downloads nobody requested").count() == 1
    page.screenshot(path=str(SHOTS / f"media-requests-{size}.png"), full_page=True)
    page.select_option("select[name=type]", "movie")
    page.locator("#request-rows >> text=The Example Show").wait_for(state="detached")
    assert "type=movie" in page.url
    page.goto(f"{live.url}/media/requests")
    page.click("text=The Example Show")
    page.wait_for_selector("text=Who hears when it is ready")
    assert page.locator("text=S02E03").count() >= 1
    page.screenshot(path=str(SHOTS / f"media-request-{size}.png"), full_page=True)
    page.goto(f"{live.url}/media/inbox")
    assert page.locator("text=invalid").count() >= 1
    page.screenshot(path=str(SHOTS / f"media-inbox-{size}.png"), full_page=True)
    page.click("text=MEDIA_APPROVED >> xpath=ancestor::tr >> a")
    page.wait_for_selector("pre.payload")
    page.click("button:has-text('Reprocess')")
    page.wait_for_selector("text=only new items")
    page.screenshot(path=str(SHOTS / f"media-event-{size}.png"), full_page=True)
    page.goto(f"{live.url}/media/setup")
    assert page.locator("code.copy", has_text="https://portal.example.com/webhooks/sonarr").count() == 1
    page.click("button[data-copy$='/webhooks/radarr']")
    page.wait_for_selector("button[data-copy$='/webhooks/radarr']:has-text('Copied')")
    assert page.evaluate("navigator.clipboard.readText()") == "https://portal.example.com/webhooks/radarr"
    page.screenshot(path=str(SHOTS / f"media-setup-{size}.png"), full_page=True)
    page.goto(f"{live.url}/")
    page.wait_for_selector("text=waiting to arrive")
    page.screenshot(path=str(SHOTS / f"media-dashboard-{size}.png"), full_page=True)
    assert errors == []


def test_it_adds_a_follower_from_the_request_page(browser, live):
    page, errors = signed_in(browser, live, 1280, 900)
    page.goto(f"{live.url}/media/requests")
    page.click("text=Example Movie")
    options = page.locator("select[name=user_id] option").all_inner_texts()
    target = next(o for o in options if "bob" in o)
    page.select_option("select[name=user_id]", label=target)
    page.click("button:has-text('Add')")
    page.wait_for_selector("#followers >> text=bob")
    page.wait_for_selector("#toasts >> text=will hear when it is ready")
    page.once("dialog", lambda d: d.accept())
    page.click("#followers button:has-text('Remove')")
    page.wait_for_selector("#toasts >> text=no longer follows")
    assert errors == []
