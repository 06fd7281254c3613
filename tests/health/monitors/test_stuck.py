"""Stuck downloads: one alert per stuck download, grouped by downloadId, until it is resolved."""
from datetime import timedelta

from plexportal.health import service
from plexportal.health.models import DownloadWatch
from plexportal.lib import clock
from plexportal.notify.models import Notification

SEASON_PACK = "FEDCBA9876543210FEDCBA9876543210FEDCBA98"


def stuck_alerts():
    return list(Notification.select().where(Notification.kind == "health.stuck"))


def test_it_alerts_once_for_a_stalled_season_pack_and_escapes_nothing_into_html(db, stack):
    sonarr = stack["sonarr"]
    sonarr.add_series(42, "The <b>Example</b> Show", 371234, per_season=3)
    for eid in (42000, 42001, 42002):
        sonarr.add_queue_item(eid, download_id=SEASON_PACK, title="The.Example.Show.S01.1080p", status="warning",
                              error_message="The download is stalled with no connections")
    run = service.run_monitor("stuck", "manual")
    assert run.status == "ok" and run.found == 1 and run.acted == 1
    [msg] = stack["smtp"].wait_for(1)
    assert msg["Subject"] == "Stuck download: The <b>Example</b> Show"
    body = msg.get_body(("plain",)).get_content()
    assert "stalled with no connections" in body and "S01E01, S01E02, S01E03" in body
    assert msg.get_body(("html",)) is None          # text only: no markup from upstream names
    # The next run finds it still stuck and stays quiet.
    clock.advance(timedelta(minutes=30))
    again = service.run_monitor("stuck", "manual")
    assert again.found == 1 and again.acted == 0
    assert len(stuck_alerts()) == 1


def test_it_alerts_again_only_after_the_download_recovered_and_stuck_again(db, stack):
    sonarr = stack["sonarr"]
    sonarr.add_series(42, "Show", 371234)
    record = sonarr.add_queue_item(42000, download_id="D1", status="warning", error_message="stalled")
    service.run_monitor("stuck")
    record["status"] = "downloading"
    clock.advance(timedelta(minutes=31))
    service.run_monitor("stuck")
    record["status"] = "warning"
    record["sizeleft"] -= 1
    clock.advance(timedelta(minutes=31))
    service.run_monitor("stuck")
    assert len(stuck_alerts()) == 2


def test_it_flags_a_download_with_no_progress_past_the_threshold(db, stack, set_settings):
    set_settings(STUCK_NO_PROGRESS_MINUTES="60")
    radarr = stack["radarr"]
    radarr.add_movie(77, "Example Movie", 550123, has_file=False)
    radarr.add_queue_item(77, download_id="M1", sizeleft=5_000_000_000, timeleft=None)
    assert service.run_monitor("stuck").found == 0
    clock.advance(timedelta(minutes=61))
    run = service.run_monitor("stuck")
    assert run.found == 1 and "no progress for 61 minutes" in run.lines[0]
    assert stuck_alerts()[0].subject == "Stuck download: Example Movie"


def test_it_does_not_flag_a_download_that_keeps_moving(db, stack, set_settings):
    set_settings(STUCK_NO_PROGRESS_MINUTES="60")
    radarr = stack["radarr"]
    radarr.add_movie(77, "Example Movie", 550123, has_file=False)
    record = radarr.add_queue_item(77, download_id="M1", sizeleft=5_000_000_000)
    for _ in range(4):
        clock.advance(timedelta(minutes=40))
        record["sizeleft"] -= 500_000_000
        assert service.run_monitor("stuck").found == 0
    assert stuck_alerts() == []


def test_it_refreshes_a_series_with_a_tba_episode_once_not_every_run(db, stack):
    sonarr = stack["sonarr"]
    sonarr.add_series(42, "Show", 371234)
    sonarr.episodes[42000]["title"] = "TBA"
    sonarr.add_queue_item(42000, download_id="D1", status="failed", tracked_status="error",
                          tracked_state="failedPending", error_message="qBittorrent is reporting an error")
    for _ in range(3):
        service.run_monitor("stuck")
        clock.advance(timedelta(minutes=30))
    assert [c["body"] for c in sonarr.commands_named("RefreshSeries")] == [{"seriesId": 42}]


def test_it_leaves_import_problems_to_the_import_fix_monitor(db, stack):
    sonarr = stack["sonarr"]
    sonarr.add_series(42, "Show", 371234)
    sonarr.add_queue_item(42000, download_id="D1", status="completed", tracked_status="warning",
                          tracked_state="importPending", messages=["No files found are eligible for import in /x"])
    assert service.run_monitor("stuck").found == 0


def test_it_forgets_downloads_that_left_the_queue(db, stack):
    sonarr = stack["sonarr"]
    sonarr.add_series(42, "Show", 371234)
    sonarr.add_queue_item(42000, download_id="D1")
    service.run_monitor("stuck")
    assert DownloadWatch.select().count() == 1
    sonarr.queue.clear()
    service.run_monitor("stuck")
    assert DownloadWatch.select().count() == 0


def test_it_logs_an_upstream_error_and_carries_on_with_the_other_service(db, stack):
    stack["sonarr"].fail_next(500, path="/api/v3/queue")
    radarr = stack["radarr"]
    radarr.add_movie(77, "Example Movie", 550123, has_file=False)
    radarr.add_queue_item(77, download_id="M1", status="warning", error_message="stalled")
    run = service.run_monitor("stuck")
    assert run.status == "error"
    assert run.errors == ["Sonarr: Sonarr had an internal error (500)."]
    assert run.acted == 1                              # Radarr's item was still handled
    assert service.run_monitor("stuck").status == "ok"  # and the next run is clean


def test_it_survives_a_timeout_and_retries_next_run(db, stack, quick_timeouts):
    sonarr = stack["sonarr"]
    sonarr.add_series(42, "Show", 371234)
    sonarr.add_queue_item(42000, download_id="D1", status="warning", error_message="stalled")
    sonarr.fail_next(0, path="/api/v3/queue", delay=1.5)
    run = service.run_monitor("stuck")
    assert run.status == "error" and run.errors[0].startswith("Sonarr: ")
    assert stuck_alerts() == []
    assert service.run_monitor("stuck").acted == 1


def test_it_pages_through_a_large_queue_with_few_calls(db, set_settings, smtp_server):
    from tests.fakes.arr import FakeSonarr

    sonarr = FakeSonarr(large=True).start()
    try:
        set_settings(SONARR_URL=sonarr.url, SONARR_API_KEY=sonarr.api_key)
        for sid in range(1, 2001):          # 2,000 series, one download each, 2,500 queue records
            sonarr.add_queue_item(sid * 1000, download_id=f"D{sid}")
            if sid % 4 == 0:
                sonarr.add_queue_item(sid * 1000 + 1, download_id=f"D{sid}")
        sonarr.reset_calls()
        run = service.run_monitor("stuck")
        assert run.status == "ok"
        pages = [c for c in sonarr.calls if c.path == "/api/v3/queue"]
        assert [int(c.query["page"]) for c in pages] == [1, 2, 3]
        assert len(sonarr.calls) == 3
        assert DownloadWatch.select().count() == 2000
    finally:
        sonarr.stop()


def test_it_keeps_no_alerted_flag_without_its_alert_when_the_run_dies_in_between(db, stack, monkeypatch):
    from plexportal.health.monitors import stuck

    sonarr = stack["sonarr"]
    sonarr.add_series(42, "Show", 371234)
    sonarr.add_queue_item(42000, download_id="D1", status="warning", error_message="stalled")
    real = stuck.outbox.queue_admin_alert

    def killed(*args, **kwargs):
        raise RuntimeError("worker killed between the flag and the alert")
    monkeypatch.setattr(stuck.outbox, "queue_admin_alert", killed)
    service.run_monitor("stuck")
    assert DownloadWatch.get(DownloadWatch.download_id == "D1").alerted_at is None   # rolled back with it
    monkeypatch.setattr(stuck.outbox, "queue_admin_alert", real)
    clock.advance(timedelta(minutes=31))
    service.run_monitor("stuck")                                # the next run alerts after all
    assert len(stuck_alerts()) == 1
    assert DownloadWatch.get(DownloadWatch.download_id == "D1").alerted_at is not None
