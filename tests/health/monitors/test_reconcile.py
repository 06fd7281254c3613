"""Reconciliation: imports and requests a missed webhook never told us about are caught up, once."""
from datetime import UTC, datetime, timedelta

from plexportal.auth.models import User
from plexportal.health import service
from plexportal.media.models import Arrival, Follower, MediaRequest
from plexportal.notify.models import Notification


def ready_rows():
    return list(Notification.select().where(Notification.kind == "media.ready"))


def setup_show(stack):
    alice = User.create(username="alice", email="alice@example.com")
    request = MediaRequest.create(media_type="tv", tvdb_id=371234, title="The Example Show", status="approved",
                                  requested_by=alice)
    Follower.create(request=request, user=alice, role="requester")
    sonarr = stack["sonarr"]
    sonarr.add_series(42, "The Example Show", 371234, per_season=3)
    return alice, request, sonarr


def test_it_announces_an_import_whose_webhook_never_came_and_only_once(db, stack, hooks):
    alice, _request, sonarr = setup_show(stack)
    # S01E01's webhook arrived; S01E02's never did.
    hooks("sonarr", {"eventType": "Download", "series": {"id": 42, "title": "The Example Show", "tvdbId": 371234},
                     "episodes": [{"id": 42000, "seasonNumber": 1, "episodeNumber": 1, "title": "Episode 1"}],
                     "episodeFile": {"id": 542000, "relativePath": "S01E01.mkv", "quality": "WEBDL-1080p"},
                     "isUpgrade": False, "downloadId": "D1", "instanceName": "Sonarr", "applicationUrl": ""})
    for eid in (42000, 42001):
        sonarr.add_history(3, download_id="D1", source_title="The.Example.Show.S01", episodeId=eid, seriesId=42)
    run = service.run_monitor("reconcile")
    assert run.found == 1 and run.acted == 1
    assert "The Example Show S01E02" in run.lines[0]
    assert Arrival.select().where(Arrival.episode == 2).count() == 1
    [row] = ready_rows()                   # joined the batch S01E01 opened: one message, both episodes
    assert row.user_id == alice.id and [(i["season"], i["episode"]) for i in row.payload["items"]] == [(1, 1), (1, 2)]
    again = service.run_monitor("reconcile")
    assert again.found == 0 and again.lines == ["nothing missed: every import and request was already known"]
    assert len(ready_rows()) == 1


def test_it_catches_a_missed_film_import(db, stack):
    bob = User.create(username="bob", email="bob@example.com")
    request = MediaRequest.create(media_type="movie", tmdb_id=550123, title="Example Movie", status="approved",
                                  requested_by=bob)
    Follower.create(request=request, user=bob, role="requester")
    radarr = stack["radarr"]
    radarr.add_movie(77, "Example Movie", 550123)
    radarr.add_history(3, download_id="M1", source_title="Example.Movie.2024.1080p", movieId=77)
    assert service.run_monitor("reconcile").acted == 1
    [row] = ready_rows()
    assert row.user_id == bob.id


def test_old_history_outside_the_window_is_left_alone(db, stack, set_settings):
    set_settings(RECONCILE_LOOKBACK_HOURS="24")
    _alice, _request, sonarr = setup_show(stack)
    sonarr.add_history(3, download_id="D1", episodeId=42000, seriesId=42,
                       date=datetime.now(UTC) - timedelta(hours=30))
    assert service.run_monitor("reconcile").found == 0


def test_it_saves_a_seerr_request_it_never_heard_of(db, stack, set_settings, seerr):
    seerr.add_user(3, "carol", "carol@example.com")
    seerr.add_title("movie", 550124, "Another Movie", 2025)
    seerr.add_request(31, "movie", 550124, 3, status=2, media_status=3)
    run = service.run_monitor("reconcile")
    assert run.acted == 1
    saved = MediaRequest.get(MediaRequest.seerr_request_id == 31)
    assert saved.title == "Another Movie" and saved.origin == "reconcile"
    assert service.run_monitor("reconcile").acted == 0
    [call] = [c for c in seerr.calls_to("/api/v1/request", "GET")][:1]
    assert call.query["filter"] == "processing" and call.query["take"] == "100"


def test_an_upstream_error_is_reported_and_the_rest_still_checked(db, stack):
    _alice, _request, sonarr = setup_show(stack)
    sonarr.fail_next(503, path="/api/v3/history/since", times=3)
    radarr = stack["radarr"]
    radarr.add_movie(77, "Example Movie", 550123)
    radarr.add_history(3, download_id="M1", movieId=77)
    run = service.run_monitor("reconcile")
    assert run.status == "error" and run.errors[0].startswith("Sonarr: ")
    assert Arrival.select().where(Arrival.media_type == "movie").count() == 1


def test_a_large_library_costs_one_history_call(db, set_settings):
    from tests.fakes.arr import FakeSonarr

    sonarr = FakeSonarr(large=True).start()
    try:
        set_settings(SONARR_URL=sonarr.url, SONARR_API_KEY=sonarr.api_key)
        for sid in range(1, 201):               # 200 imports across 200 series in the window
            sonarr.add_history(3, download_id=f"D{sid}", episodeId=sid * 1000, seriesId=sid)
        sonarr.reset_calls()
        run = service.run_monitor("reconcile")
        assert run.found == 200
        assert [c.path for c in sonarr.calls] == ["/api/v3/history/since"]
    finally:
        sonarr.stop()
