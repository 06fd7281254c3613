"""Requests, request detail, inbox, setup, API, dashboard card and the user's Follow button."""

import pytest

from plexportal.auth.models import User
from plexportal.media import matching
from plexportal.media.models import Follower, MediaRequest, WebhookEvent
from tests.media.conftest import fixture


def test_it_lists_and_filters_requests(logged_in, hooks):
    hooks("seerr", "seerr_media_approved_tv")
    hooks("seerr", "seerr_media_declined_movie")
    page = logged_in.get("/media/requests").get_data(as_text=True)
    assert "The Example Show" in page and "Example Movie" in page and "bob" in page
    only_tv = logged_in.get("/media/requests?type=tv", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "The Example Show" in only_tv and "Example Movie" not in only_tv and "<html" not in only_tv
    declined = logged_in.get("/media/requests?status=declined").get_data(as_text=True)
    assert "Example Movie" in declined and "The Example Show" not in declined
    bob = User.get(User.email == "bob@example.com")
    mine = logged_in.get(f"/media/requests?user={bob.id}").get_data(as_text=True)
    assert "The Example Show" in mine and "Example Movie" not in mine


def test_it_shows_an_empty_state_that_says_what_to_do(logged_in):
    page = logged_in.get("/media/requests").get_data(as_text=True)
    assert "No requests yet" in page and "Sync from Seerr" in page


def test_it_lists_downloads_that_match_no_request(logged_in, hooks):
    hooks("sonarr", "sonarr_v4_download")
    page = logged_in.get("/media/requests").get_data(as_text=True)
    assert "Downloads nobody requested" in page and "tvdb:371234" in page


def test_it_adds_and_removes_followers_and_shows_history(logged_in, hooks):
    hooks("seerr", "seerr_media_approved_tv")
    hooks("sonarr", "sonarr_v4_download")
    req = MediaRequest.get()
    carol = User.create(username="carol", email="carol@example.com")
    r = logged_in.post(f"/media/requests/{req.id}/followers", data={"user_id": carol.id}, htmx=True)
    assert r.status_code == 200 and "carol will hear" in r.get_data(as_text=True)
    assert Follower.select().where(Follower.user == carol).exists()
    detail = logged_in.get(f"/media/requests/{req.id}").get_data(as_text=True)
    assert "S02E03" in detail and "bob" in detail and "carol" in detail and "requested it" in detail
    r = logged_in.post(f"/media/requests/{req.id}/followers/{carol.id}/remove", htmx=True)
    assert "no longer follows" in r.get_data(as_text=True)
    assert not Follower.select().where(Follower.user == carol).exists()
    r = logged_in.post(f"/media/requests/{req.id}/followers", data={}, htmx=True)
    assert r.status_code == 422


def test_it_shows_the_inbox_with_masked_payloads_and_reprocesses(logged_in, hooks):
    body = fixture("seerr_media_approved_tv")
    body["request"]["requestedBy_settings_telegramChatId"] = "123"
    body["apiKey"] = "super-secret-value"
    event = hooks("seerr", body)
    inbox = logged_in.get("/media/inbox").get_data(as_text=True)
    assert "MEDIA_APPROVED" in inbox and "processed" in inbox
    detail = logged_in.get(f"/media/inbox/{event.id}").get_data(as_text=True)
    assert "super-secret-value" not in detail and "bob@example.com" in detail
    r = logged_in.post(f"/media/inbox/{event.id}/reprocess", htmx=True)
    assert r.status_code == 200 and "only new items" in r.get_data(as_text=True)
    assert WebhookEvent.get_by_id(event.id).attempts == 2
    failed = logged_in.get("/media/inbox?status=failed", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "MEDIA_APPROVED" not in failed


def test_it_polls_after_reprocess_until_the_worker_has_run_it(logged_in, hooks):
    from plexportal.media import service

    event = hooks("seerr", "seerr_media_approved_tv")
    runs = WebhookEvent.get_by_id(event.id).attempts
    # The worker has not run it again yet: the panel says so and asks again in a second.
    waiting = logged_in.get(f"/media/inbox/{event.id}/status?since={runs}&tries=3",
                            headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Reprocessing" in waiting and f"since={runs}&amp;tries=4" in waiting and 'hx-trigger="load delay:1s"' in waiting
    assert "Reprocess <" not in waiting
    service.process_event(event.id, force=True)
    done = logged_in.get(f"/media/inbox/{event.id}/status?since={runs}&tries=4",
                         headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "hx-trigger" not in done and f"{runs + 1} run(s)" in done and "Reprocess" in done
    # A worker that never comes: after a minute the panel stops asking and says what to check.
    stuck = logged_in.get(f"/media/inbox/{event.id}/status?since={runs + 1}&tries=60",
                          headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "hx-trigger" not in stuck and "Is it running?" in stuck


def test_it_refuses_to_reprocess_an_invalid_body(logged_in, post_hook):
    event_id = post_hook("sonarr", b"nope").json["id"]
    assert logged_in.post(f"/media/inbox/{event_id}/reprocess", htmx=True).status_code == 422


def test_it_shows_webhook_urls_ready_to_paste(logged_in, set_settings):
    set_settings(BASE_URL="https://portal.example.com")
    page = logged_in.get("/media/setup").get_data(as_text=True)
    for source in ("seerr", "sonarr", "radarr"):
        assert f"https://portal.example.com/webhooks/{source}" in page
    assert "Set a <strong>Webhook secret</strong>" in page
    assert "/media/setup" in logged_in.get("/settings/").get_data(as_text=True)


def test_it_keeps_media_pages_for_admins(client, db):
    assert client.get("/media/requests").status_code in (302, 303)
    assert client.get("/media/inbox").status_code in (302, 303)


def test_it_serves_webhooks_and_requests_over_the_api(client, hooks, set_settings):
    set_settings(API_KEY="api-key-123456")
    hooks("seerr", "seerr_media_approved_tv")
    assert client.get("/api/v1/requests").status_code == 401
    data = client.get("/api/v1/requests?status=approved", headers={"X-Api-Key": "api-key-123456"}).json
    [row] = data["items"]
    assert row["title"] == "The Example Show" and row["ids"]["tvdb"] == 371234 and row["followers"] == ["bob"]
    hooks_data = client.get("/api/v1/webhooks?source=seerr", headers={"X-Api-Key": "api-key-123456"}).json
    assert hooks_data["total"] == 1 and hooks_data["items"][0]["event_type"] == "MEDIA_APPROVED"
    assert "body" not in hooks_data["items"][0]


def test_before_any_webhook_the_dashboard_says_where_to_point_them(logged_in):
    page = logged_in.get("/").get_data(as_text=True)
    assert "Nothing heard from Seerr, Sonarr or Radarr yet" in page and 'href="/media/setup"' in page


def test_it_puts_a_requests_card_on_the_dashboard(logged_in, hooks):
    hooks("seerr", "seerr_media_approved_tv")
    hooks("radarr", "radarr_v5_download")
    page = logged_in.get("/").get_data(as_text=True)
    assert "waiting to arrive" in page and "1</strong> download matches no request" in page


def test_it_lets_a_user_follow_a_title_from_their_page(client, hooks, app):
    from plexportal.notify import links

    hooks("seerr", "seerr_media_approved_tv")
    req = MediaRequest.get()
    carol = User.create(username="carol", email="carol@example.com")
    with app.test_request_context():
        token = links.make_token(carol)
    page = client.get(f"/notify/u/{token}").get_data(as_text=True)
    assert "The Example Show" in page and "Tell me too" in page
    from tests.conftest import csrf_from

    csrf = csrf_from(page)
    r = client.post(f"/media/follow/{req.id}?token={token}", data={"action": "follow"},
                    headers={"X-CSRFToken": csrf, "HX-Request": "true"})
    assert r.status_code == 200 and "Following" in r.get_data(as_text=True)
    assert Follower.get(Follower.user == carol).role == "follower"
    bad = client.post(f"/media/follow/{req.id}?token=forged", data={}, headers={"X-CSRFToken": csrf})
    assert bad.status_code == 403


@pytest.fixture
def crowd(monkeypatch):
    """More people than the forms list: they ask for a username or email instead."""
    from plexportal.media import queries

    monkeypatch.setattr(queries, "PEOPLE_LIST_MAX", 2)
    return [User.create(username=f"viewer{i}", email=f"viewer{i}@example.com") for i in range(4)]


def test_it_asks_for_a_name_instead_of_listing_a_crowd_on_the_requests_page(logged_in, hooks, crowd):
    hooks("seerr", "seerr_media_approved_tv")
    req = MediaRequest.get()
    for i in range(3):
        matching.upsert_request(seerr_request_id=500 + i, media_type="movie", status="approved", user=crowd[i],
                                tmdb_id=9000 + i, title=f"Film of viewer{i}")
    page = logged_in.get("/media/requests").get_data(as_text=True)
    assert 'name="person"' in page and f'<option value="{crowd[0].id}"' not in page
    mine = logged_in.get("/media/requests?person=VIEWER1@example.com").get_data(as_text=True)
    assert "Film of viewer1" in mine and "Film of viewer2" not in mine and "The Example Show" not in mine
    nobody = logged_in.get("/media/requests?person=nobody-at-all", headers={"HX-Request": "true"})
    assert "Nobody is called “nobody-at-all”" in nobody.get_data(as_text=True)
    detail = logged_in.get(f"/media/requests/{req.id}").get_data(as_text=True)
    assert 'name="person"' in detail and "viewer3@example.com" not in detail


def test_it_adds_a_follower_by_username_or_email_and_says_when_nobody_matches(logged_in, hooks, crowd):
    hooks("seerr", "seerr_media_approved_tv")
    req = MediaRequest.get()
    r = logged_in.post(f"/media/requests/{req.id}/followers", data={"person": "Viewer2@Example.com"}, htmx=True)
    assert r.status_code == 200 and "viewer2 will hear" in r.get_data(as_text=True)
    assert Follower.select().where(Follower.user == crowd[2]).exists()
    r = logged_in.post(f"/media/requests/{req.id}/followers", data={"person": "viewer9"}, htmx=True)
    assert r.status_code == 422 and "Nobody is called “viewer9”" in r.headers.get("HX-Trigger", "") + r.get_data(as_text=True)
    assert Follower.select().count() == 2
