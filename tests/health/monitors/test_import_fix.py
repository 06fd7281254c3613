"""Failed imports: removed with blocklist + skipRedownload, one targeted search, the admin told."""
from plexportal.health import service
from plexportal.notify.models import Notification

NO_FILES = "No files found are eligible for import in /downloads/complete/The.Example.Show.S02E03"
DL = "0123456789ABCDEF0123456789ABCDEF01234567"


def pending_import(sonarr, episode_ids=(42000,), download_id=DL):
    sonarr.add_series(42, "The Example Show", 371234, per_season=5)
    return [sonarr.add_queue_item(eid, download_id=download_id, title="The.Example.Show.S01.1080p.WEB",
                                  status="completed", tracked_status="warning", tracked_state="importPending",
                                  messages=[NO_FILES], sizeleft=0) for eid in episode_ids]


def test_it_removes_blocklists_and_searches_exactly_the_affected_episodes_once(db, stack):
    sonarr = stack["sonarr"]
    records = pending_import(sonarr, (42000, 42001))
    run = service.run_monitor("import-fix", "manual")
    assert run.status == "ok" and run.found == 1 and run.acted == 1
    [delete] = sonarr.calls_to("/api/v3/queue/", "DELETE")
    assert delete.path == f"/api/v3/queue/{records[0]['id']}"
    assert delete.query == {"removeFromClient": "true", "blocklist": "true", "skipRedownload": "true",
                            "changeCategory": "false"}
    assert [c["body"] for c in sonarr.commands] == [{"episodeIds": [42000, 42001]}]
    assert sonarr.commands[0]["name"] == "EpisodeSearch"
    assert [b["downloadId"] for b in sonarr.blocklist] == [DL]
    [msg] = stack["smtp"].wait_for(1)
    assert msg["Subject"] == "Fixed a failed import: The Example Show"
    body = msg.get_body(("plain",)).get_content()
    assert NO_FILES in body and "Episodes: S01E01 · Episode 1, S01E02 · Episode 2" in body
    assert "searched again for The Example Show S01E01 · Episode 1, S01E02 · Episode 2." in body
    assert "42000" not in body                               # people's words, not Sonarr's ids
    [line] = [ln for ln in service.last_runs("import-fix")[0].lines if "blocklisted" in ln]
    assert line.endswith("searched The Example Show S01E01 · Episode 1, S01E02 · Episode 2") and "[" not in line


def test_it_never_acts_twice_on_the_same_download(db, stack):
    sonarr = stack["sonarr"]
    pending_import(sonarr)
    service.run_monitor("import-fix")
    # The same download shows up again (e.g. the client re-added it): left alone, no second search.
    pending_import(sonarr)
    again = service.run_monitor("import-fix")
    assert again.found == 1 and again.acted == 0
    assert len(sonarr.commands) == 1 and len(sonarr.calls_to("/api/v3/queue/", "DELETE")) == 1
    assert Notification.select().where(Notification.kind == "health.import_fix").count() == 1


def test_it_fixes_a_blocked_film_with_one_movies_search(db, stack):
    radarr = stack["radarr"]
    radarr.redownload_failed = True           # skipRedownload=true must stop Radarr's own search
    radarr.add_movie(77, "Example Movie", 550123, has_file=False)
    radarr.add_queue_item(77, download_id="M1", status="completed", tracked_status="warning",
                          tracked_state="importBlocked",
                          messages=["Movie title mismatch, automatic import is not possible. Manual Import required."])
    service.run_monitor("import-fix")
    assert [(c["name"], c["body"]) for c in radarr.commands] == [("MoviesSearch", {"movieIds": [77]})]


def test_it_ignores_a_normal_pending_import(db, stack):
    sonarr = stack["sonarr"]
    sonarr.add_series(42, "Show", 371234)
    sonarr.add_queue_item(42000, download_id="D1", status="completed", tracked_state="importPending")
    assert service.run_monitor("import-fix").found == 0
    assert sonarr.calls_to("/api/v3/queue/", "DELETE") == []


def test_notify_mode_tells_the_admin_once_and_changes_nothing(db, stack, set_settings):
    set_settings(IMPORT_FIX_MODE="notify")
    sonarr = stack["sonarr"]
    pending_import(sonarr)
    service.run_monitor("import-fix")
    service.run_monitor("import-fix")
    assert sonarr.calls_to("/api/v3/queue/", "DELETE") == [] and sonarr.commands == []
    [msg] = stack["smtp"].wait_for(1)
    assert msg["Subject"] == "Import needs attention: The Example Show"


def test_off_mode_only_reports(db, stack, set_settings):
    set_settings(IMPORT_FIX_MODE="off")
    sonarr = stack["sonarr"]
    pending_import(sonarr)
    run = service.run_monitor("import-fix")
    assert run.found == 1 and run.acted == 0 and "left alone" in run.lines[0]
    assert Notification.select().count() == 0


def test_a_failed_search_is_retried_next_run_without_removing_again(db, stack):
    sonarr = stack["sonarr"]
    pending_import(sonarr)
    sonarr.fail_next(503, path="/api/v3/command")
    first = service.run_monitor("import-fix")
    assert first.status == "error" and sonarr.commands == []
    second = service.run_monitor("import-fix")           # the download is gone from the queue now
    assert second.status == "ok"
    assert len(sonarr.calls_to("/api/v3/queue/", "DELETE")) == 1


def test_it_survives_a_timeout(db, stack, quick_timeouts):
    sonarr = stack["sonarr"]
    pending_import(sonarr)
    sonarr.fail_next(0, path="/api/v3/queue", delay=1.5)
    assert service.run_monitor("import-fix").status == "error"
    assert service.run_monitor("import-fix").acted == 1


def test_a_large_library_costs_a_bounded_number_of_calls(db, set_settings):
    from tests.fakes.arr import FakeSonarr

    sonarr = FakeSonarr(large=True).start()
    try:
        set_settings(SONARR_URL=sonarr.url, SONARR_API_KEY=sonarr.api_key, IMPORT_FIX_MODE="fix")
        for sid in range(1, 2001):
            sonarr.add_queue_item(sid * 1000, download_id=f"D{sid}")
        for sid in (5, 6, 7):
            sonarr.add_queue_item(sid * 1000 + 2, download_id=f"X{sid}", status="completed", tracked_status="warning",
                                  tracked_state="importPending", messages=[NO_FILES])
        sonarr.reset_calls()
        run = service.run_monitor("import-fix")
        assert run.acted == 3
        # 3 queue pages + per fixed download one DELETE and one search: nothing per series or episode.
        assert len(sonarr.calls) == 3 + 3 * 2
    finally:
        sonarr.stop()
