"""Request for someone in Chromium: sync the people from Seerr, type part of a title, pick a
result, choose the person, and land on the new request; the request reaches Seerr as that person."""
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

# A neutral poster for the image.tmdb.org addresses Seerr's results point at (nothing leaves 127.0.0.1).
POSTER = (b'<svg xmlns="http://www.w3.org/2000/svg" width="92" height="138">'
          b'<rect width="92" height="138" fill="#5c7080"/></svg>')


def local_only(route):
    url = route.request.url
    if url.startswith("http://127.0.0.1"):
        route.continue_()
    elif url.startswith("https://image.tmdb.org/"):
        route.fulfill(body=POSTER, content_type="image/svg+xml")
    else:
        route.abort()


def test_it_finds_picks_and_requests_a_title_for_someone(live_server_factory, fake_seerr, page, shot, viewport):
    fake_seerr.add_user(7, "dave", "dave@example.com")
    fake_seerr.add_title("tv", 98765, "The Quiet Harbour", 2023, tvdb_id=371234)
    fake_seerr.add_title("movie", 550123, "Harbour Lights", 2024)
    fake_seerr.add_title("movie", 600001, "Harbour Nights", None, poster=None)
    fake_seerr.add_title("movie", 700001, "Paper Lanterns", 2021)
    fake_seerr.add_person(31, "Harbour Master")
    fake_seerr.add_request(1, "movie", 550123, 1, media_status=5)
    server = live_server_factory(admin=True, worker=True,
                                 settings={"SEERR_URL": fake_seerr.url, "SEERR_API_KEY": "seerr-key"})
    page.route("**/*", local_only)
    sign_in(page, server)

    # People appear after a Seerr sync.
    page.goto(server.url + "/media/requests")
    page.get_by_role("button", name="Sync from Seerr").click()
    expect(page.get_by_text("Synced 2 users")).to_be_visible()
    page.get_by_role("button", name="Request for someone").click()

    # Typing searches on its own, after a short pause.
    search = page.get_by_label("Find a title")
    search.press_sequentially("harbour", delay=30)
    results = page.locator("#ob-results")
    expect(results.get_by_text("3 found for “harbour”")).to_be_visible()
    expect(results.get_by_role("radio")).to_have_count(3)
    expect(results.get_by_text("Harbour Master")).to_have_count(0)
    expect(results.get_by_text("Available")).to_be_visible()
    expect(results.locator("img[loading=lazy]")).to_have_count(2)
    shot("results")

    # Enter searches; it never submits the request form.
    search.fill("zzz")
    search.press("Enter")
    expect(results.get_by_text("Nothing found for “zzz”")).to_be_visible()
    assert fake_seerr.calls_to("/api/v1/request", "POST") == []

    # Seerr refusing (the film is already there) keeps the search, the pick and the person.
    search.fill("harbour")
    search.press("Enter")
    results.get_by_text("Harbour Lights").click()
    page.locator("#ob-user").select_option(label="dave")
    page.get_by_role("button", name="Create request in Seerr").click()
    expect(page.get_by_text("Request for this media already exists.")).to_be_visible()
    expect(page.get_by_label("Find a title")).to_have_value("harbour")
    expect(page.locator("#ob-results").get_by_role("radio", name="Harbour Lights")).to_be_checked()
    expect(page.locator("#ob-user")).to_have_value(page.locator("#ob-user option", has_text="dave").get_attribute("value"))
    shot("refused")

    page.get_by_label("Find a title").fill("quiet")
    page.get_by_label("Find a title").press("Enter")
    page.locator("#ob-results").get_by_text("The Quiet Harbour").click()
    page.get_by_role("button", name="Create request in Seerr").click()
    page.wait_for_url("**/media/requests/*")
    expect(page.get_by_role("heading", name="The Quiet Harbour")).to_be_visible()
    refused, call = fake_seerr.calls_to("/api/v1/request", "POST")
    assert refused.json["mediaId"] == 550123
    assert call.headers.get("X-Api-User") == "7" and call.json == {"mediaType": "tv", "mediaId": 98765,
                                                                  "seasons": "all"}
    shot("request")
