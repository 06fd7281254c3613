"""Reconciliation over history Sonarr and Radarr no longer fully describe: imports of a series or
film that was deleted since, a film imported twice in the window, and the same import seen by two
runs."""
from plexportal.health import service
from plexportal.media.models import Arrival


def test_imports_of_a_deleted_series_or_episode_are_passed_over(db, stack):
    sonarr = stack["sonarr"]
    sonarr.add_series(42, "Kept Show", 371234, per_season=2)
    sonarr.add_history(3, download_id="D1", episodeId=99000, seriesId=99)       # series deleted in Sonarr
    sonarr.add_history(3, download_id="D2", episodeId=42999, seriesId=42)       # episode gone
    sonarr.add_history(3, download_id="D3", episodeId=42001, seriesId=42)       # this one is real
    run = service.run_monitor("reconcile")
    assert run.status == "ok" and run.found == 1
    assert [(a.season, a.episode) for a in Arrival.select()] == [(1, 2)]


def test_a_film_imported_twice_in_the_window_is_caught_up_once(db, stack):
    radarr = stack["radarr"]
    radarr.add_movie(77, "Example Movie", 550123)
    radarr.add_history(3, download_id="M1", movieId=77)
    radarr.add_history(3, download_id="M2", movieId=77)                         # an upgrade later on
    radarr.add_history(3, download_id="M3", movieId=88)                         # film deleted in Radarr
    run = service.run_monitor("reconcile")
    assert run.found == 1 and run.acted == 1
    assert Arrival.select().where(Arrival.media_type == "movie").count() == 1
    assert service.run_monitor("reconcile").found == 0


def test_a_film_without_a_tmdb_id_cannot_be_matched_and_is_left(db, stack):
    radarr = stack["radarr"]
    radarr.add_movie(77, "Home Video", 0)
    radarr.add_history(3, download_id="M1", movieId=77)
    run = service.run_monitor("reconcile")
    assert run.found == 0 and Arrival.select().count() == 0
    assert run.lines == ["nothing missed: every import and request was already known"]
