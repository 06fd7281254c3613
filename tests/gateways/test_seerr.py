"""The Seerr gateway against the fake Seerr: every call, what it sends, what it returns (§3.4)."""
from __future__ import annotations

import pytest

from plexportal.gateways.base import GatewayError
from plexportal.gateways.seerr import SeerrIssue, SeerrRequest, SeerrStatus, SeerrTitle, SeerrUser, TitleDetails
from tests.gateways.helpers import seerr_client


def test_status_and_check(seerr, seerr_fake):
    assert seerr.status() == SeerrStatus(version="3.1.0")
    result = seerr.check()
    assert result.ok and result.message == "Connected to Seerr 3.1.0."
    # /status is public, so the check also reads one user to prove the key.
    assert seerr_fake.calls_to("/api/v1/user")[0].query == {"take": "1"}


def test_the_check_notices_a_wrong_key_behind_the_public_status(seerr_fake):
    result = seerr_client(seerr_fake, key="wrong").check()
    assert not result.ok and "rejected the credentials (403)" in result.message


def test_users_come_page_by_page_with_progress(seerr, seerr_fake):
    for uid in range(2, 252):
        seerr_fake.add_user(uid, f"user{uid}", f"user{uid}@example.com", plex_id=5000 + uid)
    progress = []
    users = list(seerr.users(on_page=lambda done, total: progress.append((done, total))))
    assert len(users) == 251 and progress == [(100, 251), (200, 251), (251, 251)]
    assert users[1] == SeerrUser(id=2, email="user2@example.com", display_name="user2", plex_id=5002,
                                 avatar="https://plex.tv/users/0002/avatar?c=1")
    assert [c.query["skip"] for c in seerr_fake.calls_to("/api/v1/user")] == ["0", "100", "200"]


def test_a_users_name_falls_back_to_username_then_plex_username(seerr, seerr_fake):
    user = seerr_fake.add_user(2, "", "x@example.com")
    user.update(displayName=None, username=None, plexUsername="plexname", plexId="not a number")
    [_, read] = list(seerr.users())
    assert read.display_name == "plexname" and read.plex_id is None


def test_requests_become_seerr_requests(seerr, seerr_fake):
    seerr_fake.add_user(3, "alice", "alice@example.com")
    seerr_fake.add_request(17, "tv", 98765, 3, status=5, media_status=4, tvdb_id=371234, seasons=(2, 1))
    seerr_fake.add_request(18, "movie", 550123, 3, status=3, media_status=1)
    requests = list(seerr.requests())
    assert requests[1] == SeerrRequest(
        id=17, status="completed", media_type="tv", tmdb_id=98765, tvdb_id=371234, imdb_id=None,
        media_status="partially_available", seasons=[1, 2],
        requested_by=SeerrUser(id=3, email="alice@example.com", display_name="alice", plex_id=None,
                               avatar="https://plex.tv/users/0003/avatar?c=1"), is_4k=False)
    assert (requests[0].status, requests[0].media_status) == ("declined", "unknown")
    call = seerr_fake.calls_to("/api/v1/request")[0]
    assert call.query["filter"] == "all" and call.query["sort"] == "added"


def test_requests_by_filter_reads_every_page(seerr, seerr_fake):
    seerr_fake.add_user(3, "alice", "alice@example.com")
    for rid in range(1, 6):
        seerr_fake.add_request(rid, "movie", 1000 + rid, 3)
    found = seerr.requests_by_filter("processing", take=2)
    assert sorted(r.id for r in found) == [1, 2, 3, 4, 5]
    calls = seerr_fake.calls_to("/api/v1/request")
    assert len(calls) == 3 and {c.query["filter"] for c in calls} == {"processing"}


def test_a_request_of_an_unknown_shape_has_no_usable_ids(seerr, seerr_fake):
    seerr_fake.requests.append({"id": "x", "status": "approved", "media": None, "requestedBy": "alice",
                                "seasons": [{"seasonNumber": "one"}, 3]})
    [odd] = list(seerr.requests())
    assert (odd.id, odd.status, odd.media_type, odd.tmdb_id, odd.requested_by, odd.seasons) == \
        (None, "unknown", "", None, None, [])


def test_a_list_answer_without_results_is_an_error(seerr, seerr_fake):
    seerr_fake.fail_next(200, {"pageInfo": {}}, path="/api/v1/request")
    with pytest.raises(GatewayError, match="without a result list"):
        seerr.requests_by_filter()


def test_details_of_a_film_and_a_series(seerr, seerr_fake):
    seerr_fake.add_title("movie", 550123, "Example Movie", 2024, imdb_id="tt7654321")
    seerr_fake.add_title("tv", 98765, "The Example Show", None, tvdb_id=371234, poster=None)
    assert seerr.details("movie", 550123) == TitleDetails(
        title="Example Movie", year=2024, poster_url="https://image.tmdb.org/t/p/w600_and_h900_bestv2/p550123.jpg",
        overview="About Example Movie.", imdb_id="tt7654321", tvdb_id=None)
    show = seerr.details("tv", 98765)
    assert (show.title, show.year, show.poster_url, show.tvdb_id) == ("The Example Show", None, "", 371234)
    with pytest.raises(GatewayError) as err:
        seerr.details("movie", 1)
    assert err.value.status == 404


def test_search_results(seerr, seerr_fake):
    seerr_fake.add_title("movie", 550123, "Example Movie", 2024)
    seerr_fake.add_person(31, "Example Person")
    [title] = seerr.search("example")
    assert title == SeerrTitle(media_type="movie", tmdb_id=550123, title="Example Movie", year=2024,
                               poster_url="https://image.tmdb.org/t/p/w92/p550123.jpg", state="")
    assert title.ref == "movie:550123"


def test_creating_a_request_acts_as_the_user(seerr, seerr_fake):
    seerr_fake.add_user(7, "dave", "dave@example.com")
    created = seerr.create_request("tv", 98765, as_user=7)
    assert (created.id, created.status, created.media_type, created.tmdb_id, created.seasons) == \
        (1, "pending", "tv", 98765, [1])
    assert created.requested_by.id == 7
    [call] = seerr_fake.calls_to("/api/v1/request", "POST")
    assert call.headers["X-Api-User"] == "7" and call.json == {"mediaType": "tv", "mediaId": 98765, "seasons": "all"}


def test_a_refused_request_says_why(seerr, seerr_fake):
    seerr_fake.add_user(7, "dave", "dave@example.com")
    seerr.create_request("movie", 550123, as_user=7)
    with pytest.raises(GatewayError, match=r"Seerr refused the request \(409\): Request for this media "
                                           r"already exists\.$") as err:
        seerr.create_request("movie", 550123, as_user=7)
    assert err.value.permanent and err.value.status == 409
    with pytest.raises(GatewayError, match=r"\(403\): You do not have permission"):
        seerr.create_request("movie", 550124, as_user=99)


def test_an_answer_without_the_new_request_is_an_error(seerr, seerr_fake):
    seerr_fake.fail_next(201, {"message": "ok"}, path="/api/v1/request")
    with pytest.raises(GatewayError, match="did not return the new request"):
        seerr.create_request("movie", 550123, as_user=1)


def test_issues_are_read_commented_and_resolved(seerr, seerr_fake):
    seerr_fake.add_issue(5, issue_type=2, media_type="tv", tmdb_id=98765, tvdb_id=371234, season=1, episode=2,
                         message="No sound")
    assert seerr.issue(5) == SeerrIssue(id=5, issue_type="audio", status="open", problem_season=1,
                                        problem_episode=2, media_type="tv", tmdb_id=98765, tvdb_id=371234,
                                        comments=["No sound"])
    commented = seerr.comment_issue(5, "[plexportal] On it.")
    assert commented.comments == ["No sound", "[plexportal] On it."]
    assert seerr.resolve_issue(5).status == "resolved"
    # Both calls come back as webhooks: the loop guard's job (media.monitors.issue_fix).
    assert [w["notification_type"] for w in seerr_fake.sent_webhooks] == ["ISSUE_COMMENT", "ISSUE_RESOLVED"]


def test_an_unknown_issue_is_a_permanent_404(seerr):
    with pytest.raises(GatewayError) as err:
        seerr.comment_issue(404, "hello")
    assert err.value.status == 404 and err.value.permanent


def test_a_pending_request_is_approved_or_declined_and_seerr_fires_its_webhook(seerr, seerr_fake):
    seerr_fake.add_user(3, "alice", "alice@example.com")
    seerr_fake.add_request(17, "movie", 550123, 3, status=1, media_status=2)
    seerr_fake.add_request(18, "movie", 550124, 3, status=1, media_status=2)
    assert seerr.decide_request(17, "approve").status == "approved"
    assert seerr.decide_request(18, "decline").status == "declined"
    assert [c.path for c in seerr_fake.calls if c.method == "POST"] == [
        "/api/v1/request/17/approve", "/api/v1/request/18/decline"]
    assert [w["notification_type"] for w in seerr_fake.sent_webhooks] == ["MEDIA_APPROVED", "MEDIA_DECLINED"]
    assert seerr_fake.sent_webhooks[0]["request"]["request_id"] == "17"


def test_a_decision_on_a_request_seerr_no_longer_has_or_while_it_is_down(seerr, seerr_fake):
    from plexportal.gateways.seerr import RequestGone

    with pytest.raises(RequestGone) as gone:
        seerr.decide_request(99, "approve")
    assert gone.value.permanent and gone.value.message == "Seerr no longer has this request."
    seerr_fake.add_user(3, "alice", "alice@example.com")
    seerr_fake.add_request(17, "movie", 550123, 3, status=1)
    seerr_fake.fail_decisions = 1
    with pytest.raises(GatewayError) as down:
        seerr.decide_request(17, "approve")
    assert not down.value.permanent and not isinstance(down.value, RequestGone)
    assert len(seerr_fake.decision_calls) == 2               # a decision is never retried by the gateway
    with pytest.raises(ValueError):
        seerr.decide_request(17, "delete")
