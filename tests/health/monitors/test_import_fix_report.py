"""Nothing destructive without a yes: on a fresh install a failed import is only listed, with Do it."""
from __future__ import annotations

import pytest

from plexportal.health import service
from plexportal.health.models import HealthAction
from plexportal.settings import service as settings
from tests.health.monitors.test_import_fix import DL, pending_import


@pytest.fixture
def report(stack, set_settings):
    from plexportal.settings.models import Setting

    Setting.delete().where(Setting.key == "IMPORT_FIX_MODE").execute()     # as a fresh install has it
    settings.invalidate()
    return stack


def changes(sonarr) -> list:
    return sonarr.calls_to("/api/v3/queue/", "DELETE") + sonarr.calls_to("/api/v3/command", "POST")


def test_a_fresh_install_lists_what_it_would_do_and_changes_nothing(db, report):
    assert settings.get("IMPORT_FIX_MODE") == "report"
    sonarr = report["sonarr"]
    pending_import(sonarr, (42000, 42001))
    run = service.run_monitor("import-fix")
    assert run.found == 1 and run.acted == 0 and changes(sonarr) == [] and sonarr.blocklist == []
    [suggestion] = service.suggestions()
    assert suggestion.subject == "The Example Show"
    assert suggestion.details["would"] == ("remove The.Example.Show.S01.1080p.WEB from Sonarr's queue, blocklist it "
                                           "and search The Example Show S01E01 · Episode 1, S01E02 · Episode 2 again")
    assert "report only" in run.lines[0]
    service.run_monitor("import-fix")                        # listed once, however often it runs
    assert len(service.suggestions()) == 1 and changes(sonarr) == []


def test_do_it_removes_blocklists_and_searches_exactly_that_download(db, report, logged_in):
    sonarr = report["sonarr"]
    pending_import(sonarr, (42000,))
    service.run_monitor("import-fix")
    page = logged_in.get("/monitors/").get_data(as_text=True)
    assert "Waiting for your yes" in page and "Do it" in page and "nothing is removed" in page
    [suggestion] = service.suggestions()
    r = logged_in.post(f"/monitors/suggestions/{suggestion.id}/do", htmx=True)
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "Done: remove The.Example.Show.S01.1080p.WEB" in body
    assert len(sonarr.calls_to("/api/v3/queue/", "DELETE")) == 1 and [c["body"] for c in sonarr.commands] == [
        {"episodeIds": [42000]}]
    assert [b["downloadId"] for b in sonarr.blocklist] == [DL]
    assert service.suggestions() == [] and HealthAction.get_by_id(suggestion.id).status == "done"
    again = logged_in.post(f"/monitors/suggestions/{suggestion.id}/do", htmx=True).get_data(as_text=True)
    assert "not waiting any more" in again and len(sonarr.calls_to("/api/v3/queue/", "DELETE")) == 1


def test_do_it_on_a_download_that_is_gone_says_so_and_does_nothing(db, report, logged_in):
    sonarr = report["sonarr"]
    pending_import(sonarr, (42000,))
    service.run_monitor("import-fix")
    [suggestion] = service.suggestions()
    sonarr.queue.clear()                                     # imported by hand in Sonarr meanwhile
    body = logged_in.post(f"/monitors/suggestions/{suggestion.id}/do", htmx=True).get_data(as_text=True)
    assert "no longer waiting in Sonarr&#39;s queue" in body and "nothing was done" in body
    assert changes(sonarr) == [] and HealthAction.get_by_id(suggestion.id).status == "stale"


def test_a_listed_download_that_goes_away_is_no_longer_offered(db, report):
    sonarr = report["sonarr"]
    pending_import(sonarr, (42000,))
    service.run_monitor("import-fix")
    sonarr.queue.clear()
    service.run_monitor("import-fix")
    assert service.suggestions() == []


def test_one_click_switches_to_fixing_automatically(db, report, logged_in):
    body = logged_in.post("/monitors/suggestions/automatic", htmx=True).get_data(as_text=True)
    assert "fixed automatically" in body and settings.get("IMPORT_FIX_MODE") == "fix"
    sonarr = report["sonarr"]
    pending_import(sonarr, (42000,))
    assert service.run_monitor("import-fix").acted == 1 and len(changes(sonarr)) == 2


@pytest.mark.sqlite_only
def test_an_install_that_already_ran_keeps_fixing_by_itself(tmp_path):
    """Migration 0160: only new installs start in report mode."""
    import importlib

    from plexportal import create_app
    from plexportal.db import db as database
    from tests.conftest import make_config

    migration = importlib.import_module("migrations.0160_import_fix_report_first")
    for has_user, expected in ((True, [("fix",)]), (False, [])):
        app = create_app(make_config(tmp_path / str(has_user)))
        with app.app_context():
            database.connect(reuse_if_open=True)
            database.execute_sql('CREATE TABLE "user" (id INTEGER PRIMARY KEY)')
            database.execute_sql("CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT, bound_to TEXT, updated_at TEXT)")
            if has_user:
                database.execute_sql('INSERT INTO "user" (id) VALUES (1)')
            migration.up(None, database.obj)
            assert database.execute_sql("SELECT value FROM setting WHERE key='IMPORT_FIX_MODE'").fetchall() == expected
            database.close()
