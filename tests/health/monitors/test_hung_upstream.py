"""A Sonarr that accepts connections and never answers: the monitors give up quickly, and after a
few runs skip it with a readable reason on their page instead of waiting on it every run, while
Radarr is still checked."""
from plexportal.health import service


def test_a_hung_sonarr_is_skipped_after_three_runs_and_radarr_still_checked(db, stack, quick_timeouts,
                                                                            logged_in_admin):
    sonarr, radarr = stack["sonarr"], stack["radarr"]
    sonarr.delay = 1.0                                     # longer than the monitors' read timeout
    radarr.add_movie(77, "Example Movie", 550123)
    radarr.add_queue_item(77, download_id="M1", status="warning", error_message="stalled")
    for _ in range(3):
        run = service.run_monitor("stuck")
        assert run.errors == ["Sonarr: Sonarr accepted the connection but did not answer in time."]
    assert len(sonarr.calls_to("/api/v3/queue")) == 3
    run = service.run_monitor("stuck")
    assert run.status == "error"
    assert run.errors == ["skipped: Sonarr did not answer the last 3 times; asked again in 5 min."]
    assert len(sonarr.calls_to("/api/v3/queue")) == 3              # not asked this time
    assert len(radarr.calls_to("/api/v3/queue")) == 4 and run.acted == 0 and run.found == 1
    page = logged_in_admin.get("/monitors/stuck").get_data(as_text=True)
    assert "skipped: Sonarr did not answer the last 3 times; asked again in 5 min." in page


def test_the_calendar_refresh_says_it_skipped_a_hung_sonarr(db, stack, quick_timeouts):
    from plexportal.media import calendar

    stack["sonarr"].delay = 1.0
    for _ in range(3):
        assert calendar.refresh()["errors"] == ["Sonarr: Sonarr accepted the connection but did not answer in time."]
    assert calendar.refresh()["errors"] == ["skipped: Sonarr did not answer the last 3 times; asked again in 5 min."]
