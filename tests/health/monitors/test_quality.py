"""Release and quality messages: once each, queue-aware, cancelled by a Grab, users choose."""
from datetime import UTC, datetime, timedelta

import pytest

from plexportal.auth.models import User
from plexportal.health import service
from plexportal.lib import clock
from plexportal.media.models import Follower, MediaRequest
from plexportal.notify.models import Notification

TODAY = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def alice(db):
    clock.freeze(TODAY)
    return User.create(username="alice", email="alice@example.com")


def film_request(user, tmdb=550123, title="Example Movie"):
    request = MediaRequest.create(media_type="movie", tmdb_id=tmdb, title=title, status="approved",
                                  requested_by=user)
    Follower.create(request=request, user=user, role="requester")
    return request


def messages(kind):
    return list(Notification.select().where(Notification.kind == kind))


def test_an_unreleased_film_gets_one_coming_soon_with_its_dates(stack, alice):
    stack["radarr"].add_movie(77, "Example Movie", 550123, has_file=False, in_cinemas="2026-04-10",
                              digital="2026-05-20", physical=None)
    request = film_request(alice)
    run = service.run_monitor("quality")
    assert run.found == 1 and run.acted == 1
    [n] = messages("media.coming_soon")
    assert n.user_id == alice.id and n.destination == "alice@example.com"
    assert n.payload["subject"] == "Coming soon: Example Movie"
    assert "digital 20 May 2026, in cinemas 10 April 2026" in n.payload["text"]
    assert n.group_key == f"quality:media.coming_soon:{request.id}"
    clock.advance(timedelta(hours=7))
    assert service.run_monitor("quality").acted == 0
    assert len(messages("media.coming_soon")) == 1


def test_an_unknown_release_date_is_said_in_words(stack, alice):
    stack["radarr"].add_movie(77, "Example Movie", 550123, has_file=False, in_cinemas=None, digital=None,
                              physical=None, release_date="9999-12-31")
    film_request(alice)
    service.run_monitor("quality")
    assert "no release date is known yet" in messages("media.coming_soon")[0].payload["text"]


def test_a_released_film_without_a_good_copy_gets_waiting_for_quality(stack, alice):
    stack["radarr"].add_movie(77, "Example Movie", 550123, has_file=False, digital="2026-02-01")
    film_request(alice)
    service.run_monitor("quality")
    [n] = messages("media.waiting_quality")
    assert n.payload["subject"] == "Waiting for a good copy: Example Movie"


def test_nothing_is_said_while_the_film_is_in_the_download_queue(stack, alice):
    radarr = stack["radarr"]
    radarr.add_movie(77, "Example Movie", 550123, has_file=False, digital="2026-02-01")
    radarr.add_queue_item(77, download_id="M1")
    film_request(alice)
    assert service.run_monitor("quality").found == 0
    assert messages("media.waiting_quality") == []


def test_a_grab_cancels_an_unsent_message(stack, alice, deliver):
    stack["radarr"].add_movie(77, "Example Movie", 550123, has_file=False, digital="2026-02-01")
    film_request(alice)
    service.run_monitor("quality")
    [n] = messages("media.waiting_quality")
    assert n.status == "collecting"
    deliver("radarr", {"eventType": "Grab", "movie": {"id": 77, "tmdbId": 550123, "title": "Example Movie"},
                       "downloadId": "ABC"})
    n = Notification.get_by_id(n.id)
    assert n.status == "cancelled" and n.batch_key is None


def test_a_user_who_does_not_want_them_gets_none(stack, alice):
    from plexportal.notify import prefs

    prefs.set_email_events(alice, {"media.coming_soon": False})
    stack["radarr"].add_movie(77, "Example Movie", 550123, has_file=False, digital="2026-06-01")
    film_request(alice)
    service.run_monitor("quality")
    assert messages("media.coming_soon") == []


def test_a_series_with_aired_episodes_and_no_files_waits_for_quality(stack, alice):
    sonarr = stack["sonarr"]
    sonarr.add_series(42, "The Example Show", 371234, per_season=3, with_files=False)
    sonarr.episodes[42002]["airDateUtc"] = "2026-03-10T01:00:00Z"         # not aired yet
    request = MediaRequest.create(media_type="tv", tvdb_id=371234, title="The Example Show", status="approved",
                                  requested_by=alice, seasons=[1])
    Follower.create(request=request, user=alice, role="requester")
    service.run_monitor("quality")
    [n] = messages("media.waiting_quality")
    assert n.payload["text"].startswith("S01E01, S01E02 of The Example Show aired")


def test_an_upstream_error_is_recorded_and_retried(stack, alice):
    stack["radarr"].add_movie(77, "Example Movie", 550123, has_file=False, digital="2026-06-01")
    film_request(alice)
    stack["radarr"].fail_next(500, path="/api/v3/movie")
    run = service.run_monitor("quality")
    assert run.status == "error" and messages("media.coming_soon") == []
    assert service.run_monitor("quality").acted == 1


def test_a_large_library_costs_calls_per_request_not_per_title(db, set_settings, alice):
    from tests.fakes.arr import FakeRadarr

    radarr = FakeRadarr(large=True).start()
    try:
        set_settings(RADARR_URL=radarr.url, RADARR_API_KEY=radarr.api_key)
        for i in (1, 2, 3):
            radarr.movies[i].update(hasFile=False, digitalRelease="2026-06-01T00:00:00Z")
            film_request(alice, tmdb=600000 + i, title=f"Film {i}")
        radarr.reset_calls()
        assert service.run_monitor("quality").acted == 3
        assert len(radarr.calls) == 1 + 3          # one queue page, one targeted lookup per request
        assert all(c.query.get("tmdbId") for c in radarr.calls if c.path == "/api/v3/movie")
    finally:
        radarr.stop()
