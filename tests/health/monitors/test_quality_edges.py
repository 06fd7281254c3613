"""Release and quality, the cases around the edges: films that are fine or only just out, requests
the *arr does not know, which episodes count as overdue, who is told, and Grab webhooks that name
nothing we asked for."""
from datetime import UTC, datetime, timedelta

import pytest

from plexportal.auth.models import User
from plexportal.health import service
from plexportal.health.monitors import quality
from plexportal.lib import clock
from plexportal.media.models import Follower, MediaRequest
from plexportal.notify.models import Notification

TODAY = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def alice(db):
    clock.freeze(TODAY)
    return User.create(username="alice", email="alice@example.com")


def request_for(user, media_type="movie", follower=True, **fields):
    request = MediaRequest.create(media_type=media_type, status="approved", requested_by=user,
                                  title=fields.pop("title", "Example"), **fields)
    if follower:
        Follower.create(request=request, user=user, role="requester")
    return request


def sent(kind=None):
    q = Notification.select().where(Notification.kind.in_(["media.coming_soon", "media.waiting_quality"]))
    return list(q if kind is None else q.where(Notification.kind == kind))


def test_a_film_with_its_file_or_only_just_out_gets_nothing(stack, alice):
    radarr = stack["radarr"]
    radarr.add_movie(1, "Has A File", 1001)
    radarr.add_movie(2, "Out Yesterday", 1002, has_file=False, digital="2026-03-01", physical=None)
    request_for(alice, tmdb_id=1001, title="Has A File")
    request_for(alice, tmdb_id=1002, title="Out Yesterday")
    run = service.run_monitor("quality")
    assert run.found == 0 and sent() == []
    # Two days after it came out, the grace period is over.
    clock.advance(timedelta(days=1))
    assert service.run_monitor("quality").acted == 1
    [n] = sent("media.waiting_quality")
    assert n.payload["title"] == "Out Yesterday"


def test_a_film_only_in_cinemas_is_coming_soon_even_after_its_cinema_date(stack, alice):
    stack["radarr"].add_movie(3, "Cinema Only", 1003, has_file=False, in_cinemas="2026-02-01", digital=None,
                              physical=None)
    request_for(alice, tmdb_id=1003, title="Cinema Only")
    service.run_monitor("quality")
    [n] = sent("media.coming_soon")
    # Past dates are not promised; only what is still ahead would be named.
    assert "Expected: no release date is known yet." in n.payload["text"]


def test_requests_radarr_or_sonarr_do_not_know_are_skipped(stack, alice):
    request_for(alice, tmdb_id=None, title="No Id")
    request_for(alice, tmdb_id=424242, title="Unknown Film")
    request_for(alice, media_type="tv", tvdb_id=None, title="No Tvdb")
    request_for(alice, media_type="tv", tvdb_id=999999, title="Unknown Show")
    run = service.run_monitor("quality")
    assert run.status == "ok" and run.found == 0 and sent() == []
    assert [c.query for c in stack["radarr"].calls_to("/api/v3/movie")] == [{"tmdbId": "424242"}]
    assert [c.query for c in stack["sonarr"].calls_to("/api/v3/series")] == [{"tvdbId": "999999"}]


def test_requests_already_available_or_declined_are_not_looked_at(stack, alice):
    stack["radarr"].add_movie(4, "Done", 1004, has_file=False, digital="2026-06-01", physical=None)
    for status in ("available", "declined", "failed"):
        MediaRequest.create(media_type="movie", tmdb_id=1004, title="Done", status=status, requested_by=alice)
    assert service.run_monitor("quality").found == 0
    assert stack["radarr"].calls == []


def test_a_request_without_followers_tells_the_requester(stack, alice):
    stack["radarr"].add_movie(5, "Lonely", 1005, has_file=False, digital="2026-06-01", physical=None)
    request_for(alice, follower=False, tmdb_id=1005, title="Lonely")
    service.run_monitor("quality")
    [n] = sent("media.coming_soon")
    assert n.user_id == alice.id


def test_every_follower_is_told_once(stack, alice):
    bob = User.create(username="bob", email="bob@example.com")
    stack["radarr"].add_movie(6, "Shared", 1006, has_file=False, digital="2026-06-01", physical=None)
    request = request_for(alice, tmdb_id=1006, title="Shared")
    Follower.create(request=request, user=bob, role="follower")
    service.run_monitor("quality")
    clock.advance(timedelta(hours=7))
    service.run_monitor("quality")
    assert sorted(n.destination for n in sent("media.coming_soon")) == ["alice@example.com", "bob@example.com"]


def test_specials_unmonitored_unrequested_seasons_and_queued_episodes_are_not_overdue(stack, alice):
    sonarr = stack["sonarr"]
    sonarr.add_series(42, "The Example Show", 371234, seasons=3, per_season=2, with_files=False)
    # Season 1: 42000 monitored and overdue; 42001 unmonitored. Season 2: 42002 queued, 42003 overdue.
    # Season 3 was not requested.
    sonarr.episodes[42001]["monitored"] = False
    sonarr.add_queue_item(42002, download_id="Q1")
    sonarr.episodes[42099] = dict(sonarr.episodes[42000], id=42099, seasonNumber=0, episodeNumber=1)
    request_for(alice, media_type="tv", tvdb_id=371234, title="The Example Show", seasons=[1, 2])
    service.run_monitor("quality")
    [n] = sent("media.waiting_quality")
    assert n.payload["text"].startswith("S01E01, S02E02 of The Example Show aired")


def test_a_long_list_of_missing_episodes_is_cut_short(stack, alice):
    stack["sonarr"].add_series(42, "Long Show", 371234, seasons=2, per_season=10, with_files=False)
    request_for(alice, media_type="tv", tvdb_id=371234, title="Long Show")
    service.run_monitor("quality")
    [n] = sent("media.waiting_quality")
    assert n.payload["text"].startswith("S01E01, S01E02, S01E03, S01E04, S01E05, S01E06, S01E07, S01E08, S01E09, "
                                        "S01E10, S02E01, S02E02 and 8 more of Long Show aired")


def test_one_service_down_does_not_stop_the_other(stack, alice):
    stack["radarr"].add_movie(7, "Film", 1007, has_file=False, digital="2026-06-01", physical=None)
    stack["sonarr"].add_series(42, "Show", 371234, with_files=False)
    request_for(alice, tmdb_id=1007, title="Film")
    request_for(alice, media_type="tv", tvdb_id=371234, title="Show")
    stack["radarr"].fail_next(503, path="/api/v3/queue", times=3)
    run = service.run_monitor("quality")
    assert run.status == "error" and any(e.startswith("Radarr") for e in run.errors)
    assert [n.payload["title"] for n in sent()] == ["Show"]


def test_a_grab_for_something_nobody_asked_for_cancels_nothing(db, alice):
    Notification.create(kind="media.coming_soon", channel="email", destination="a@example.com", subject="x",
                        status="pending", group_key="quality:media.coming_soon:999")
    assert quality.cancel_on_grab("radarr", {"movie": {"tmdbId": 1}}) == 0
    assert quality.cancel_on_grab("radarr", {"movie": {}}) == 0
    assert quality.cancel_on_grab("sonarr", {"series": {"tvdbId": ""}}) == 0
    assert quality.cancel_on_grab("sonarr", {}) == 0
    assert Notification.get().status == "pending"


def test_a_grab_leaves_messages_that_already_went_out(stack, alice, deliver):
    stack["sonarr"].add_series(42, "Show", 371234, with_files=False)
    request = request_for(alice, media_type="tv", tvdb_id=371234, title="Show")
    service.run_monitor("quality")
    [n] = sent("media.waiting_quality")
    Notification.update(status="sent").where(Notification.id == n.id).execute()
    deliver("sonarr", {"eventType": "Grab", "series": {"id": 42, "tvdbId": "371234"}, "downloadId": "X"})
    assert Notification.get_by_id(n.id).status == "sent"
    assert quality.cancel_on_grab("sonarr", {"series": {"tvdbId": 371234}}) == 0
    assert request.id
