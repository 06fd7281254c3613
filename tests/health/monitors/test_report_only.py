"""Nothing changes another system by itself on a fresh install: the stuck-download series refresh
is listed on the Health page with Do it, Dismiss and a switch to automatic; a Do it that no longer
applies says so and sends nothing. (Timed access: tests/invites/test_access_report_only.py.)"""
from __future__ import annotations

import pytest

from plexportal.health import service
from plexportal.health.models import HealthAction
from plexportal.settings import service as settings
from plexportal.settings.models import Setting


def fresh_install(*keys):
    Setting.delete().where(Setting.key.in_(keys)).execute()       # as a fresh install has them
    settings.invalidate()


@pytest.fixture
def stuck_tba(stack):
    fresh_install("STUCK_FIX_MODE")
    sonarr = stack["sonarr"]
    sonarr.add_series(42, "Show", 371234)
    sonarr.episodes[42000]["title"] = "TBA"
    sonarr.add_queue_item(42000, download_id="D1", status="failed", tracked_status="error",
                          tracked_state="failedPending", error_message="qBittorrent is reporting an error")
    return sonarr


def refreshes(sonarr) -> list:
    return sonarr.commands_named("RefreshSeries")


def test_a_stuck_download_waiting_for_an_episode_title_is_listed_not_refreshed(db, stuck_tba):
    assert settings.get("STUCK_FIX_MODE") == "report"
    for _ in range(2):
        service.run_monitor("stuck")
    assert refreshes(stuck_tba) == []
    [suggestion] = service.suggestions()
    assert suggestion.subject == "Show"
    assert suggestion.details["would"].startswith("refresh Show in Sonarr (an episode of")


def test_do_it_refreshes_that_series_once(db, stuck_tba, logged_in):
    service.run_monitor("stuck")
    page = logged_in.get("/monitors/").get_data(as_text=True)
    assert "no series refresh is sent to Sonarr until you press Do it" in page and "Refresh stuck series automatically from now on" in page
    [suggestion] = service.suggestions()
    body = logged_in.post(f"/monitors/suggestions/{suggestion.id}/do", htmx=True).get_data(as_text=True)
    assert "Done: refreshed Show in Sonarr" in body
    assert [c["body"] for c in refreshes(stuck_tba)] == [{"seriesId": 42}]
    service.run_monitor("stuck")                               # not listed again, not refreshed again
    assert service.suggestions() == [] and len(refreshes(stuck_tba)) == 1


def test_do_it_on_a_download_that_left_the_queue_says_so_and_sends_nothing(db, stuck_tba, logged_in):
    service.run_monitor("stuck")
    [suggestion] = service.suggestions()
    stuck_tba.queue.clear()
    body = logged_in.post(f"/monitors/suggestions/{suggestion.id}/do", htmx=True).get_data(as_text=True)
    assert "nothing was done" in body and refreshes(stuck_tba) == []
    assert HealthAction.get_by_id(suggestion.id).status == "stale"


def test_a_listed_refresh_whose_download_left_is_no_longer_offered(db, stuck_tba):
    service.run_monitor("stuck")
    stuck_tba.queue.clear()
    service.run_monitor("stuck")
    assert service.suggestions() == [] and refreshes(stuck_tba) == []


def test_dismiss_and_the_switch_to_automatic(db, stuck_tba, logged_in):
    service.run_monitor("stuck")
    [suggestion] = service.suggestions()
    body = logged_in.post(f"/monitors/suggestions/{suggestion.id}/dismiss", htmx=True).get_data(as_text=True)
    assert "Dismissed" in body and service.suggestions() == []
    service.run_monitor("stuck")
    assert service.suggestions() == [] and refreshes(stuck_tba) == []      # a dismissed one stays dismissed
    body = logged_in.post("/monitors/suggestions/automatic", data={"setting": "STUCK_FIX_MODE"},
                          htmx=True).get_data(as_text=True)
    assert "series refresh automatically" in body and settings.get("STUCK_FIX_MODE") == "auto"
    stuck_tba.add_queue_item(42000, download_id="D2", status="failed", tracked_status="error",
                             tracked_state="failedPending", error_message="again")
    service.run_monitor("stuck")
    assert [c["body"] for c in refreshes(stuck_tba)] == [{"seriesId": 42}]


def test_the_switch_refuses_a_setting_that_is_not_a_mode(db, logged_in):
    r = logged_in.post("/monitors/suggestions/automatic", data={"setting": "SMTP_HOST"}, htmx=True)
    assert r.status_code == 400


@pytest.mark.sqlite_only
def test_an_install_that_already_ran_keeps_acting_by_itself(tmp_path):
    """Migration 0200: only new installs start in report mode; a mode chosen already is kept."""
    import importlib

    from plexportal import create_app
    from plexportal.db import db as database
    from tests.conftest import make_config

    migration = importlib.import_module("migrations.0200_stuck_refresh_and_access_expiry_report_first")
    for has_user, expected in ((True, [("ACCESS_EXPIRY_MODE", "report"), ("STUCK_FIX_MODE", "auto")]),
                               (False, [("ACCESS_EXPIRY_MODE", "report")])):
        app = create_app(make_config(tmp_path / str(has_user)))
        with app.app_context():
            database.connect(reuse_if_open=True)
            database.execute_sql('CREATE TABLE "user" (id INTEGER PRIMARY KEY)')
            database.execute_sql("CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT, bound_to TEXT, updated_at TEXT)")
            database.execute_sql("INSERT INTO setting (key, value) VALUES ('ACCESS_EXPIRY_MODE', 'report')")
            if has_user:
                database.execute_sql('INSERT INTO "user" (id) VALUES (1)')
            migration.up(None, database.obj)
            assert database.execute_sql("SELECT key, value FROM setting ORDER BY key").fetchall() == expected
            database.close()
