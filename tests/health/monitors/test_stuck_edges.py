"""Stuck downloads around the edges: a series refresh Sonarr refuses is tried again next run, not
given up; Radarr never gets a series refresh; and a TBA refresh happens once per download."""
from datetime import timedelta

from plexportal.health import service
from plexportal.health.models import HealthAction
from plexportal.lib import clock


def tba_download(sonarr, download_id="D1"):
    sonarr.add_series(42, "Show", 371234)
    sonarr.episodes[42000]["title"] = "TBA"
    sonarr.add_queue_item(42000, download_id=download_id, status="failed", tracked_status="error",
                          tracked_state="failedPending", error_message="qBittorrent is reporting an error")


def test_a_series_refresh_sonarr_refuses_is_tried_again_next_run(db, stack):
    sonarr = stack["sonarr"]
    tba_download(sonarr)
    sonarr.fail_next(500, path="/api/v3/command")
    run = service.run_monitor("stuck")
    assert run.status == "error" and any("internal error" in e for e in run.errors)
    action = HealthAction.get(HealthAction.kind == "refresh")
    assert action.status == "failed" and action.error
    clock.advance(timedelta(minutes=30))
    assert service.run_monitor("stuck").status == "ok"
    assert [c["body"] for c in sonarr.commands_named("RefreshSeries")] == [{"seriesId": 42}]
    assert HealthAction.get_by_id(action.id).status == "done"


def test_a_new_download_of_the_same_series_gets_its_own_refresh(db, stack):
    sonarr = stack["sonarr"]
    tba_download(sonarr, "D1")
    service.run_monitor("stuck")
    sonarr.queue.clear()
    sonarr.add_queue_item(42001, download_id="D2", status="failed", tracked_status="error",
                          tracked_state="failedPending", error_message="qBittorrent is reporting an error")
    sonarr.episodes[42001]["title"] = "TBA"
    sonarr.queue[-1]["episode"]["title"] = "TBA"
    clock.advance(timedelta(minutes=30))
    service.run_monitor("stuck")
    assert len(sonarr.commands_named("RefreshSeries")) == 2


def test_radarr_downloads_never_ask_for_a_series_refresh(db, stack):
    radarr = stack["radarr"]
    radarr.add_movie(77, "TBA", 550123, has_file=False)
    radarr.add_queue_item(77, download_id="M1", status="failed", tracked_status="error",
                          tracked_state="failedPending", error_message="stalled")
    service.run_monitor("stuck")
    assert radarr.commands_named("RefreshSeries") == [] and radarr.commands_named("RefreshMovie") == []
