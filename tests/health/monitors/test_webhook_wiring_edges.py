"""Webhook subscribers of the monitors when the event is odd: a body that is not an object, a
ManualInteractionRequired without a download id or while the import fix is already running, and a
film's replacement import resolving its reported issue."""
import json
from types import SimpleNamespace

from plexportal.health import service
from plexportal.health.models import IssueFix, MonitorRun, MonitorState
from plexportal.lib import clock
from plexportal.media import events
from plexportal.media.models import WebhookEvent


def blocked_item(sonarr, download_id="DL1"):
    sonarr.add_series(42, "The Example Show", 371234)
    sonarr.add_queue_item(42000, download_id=download_id, status="completed", tracked_status="warning",
                          tracked_state="importBlocked", messages=["Series title mismatch"])


def publish(source, body_text, event_type):
    event = WebhookEvent.create(source=source, dedup_key=f"raw-{source}-{event_type}-{len(body_text)}",
                                body=body_text, event_type=event_type, status="processed")
    return events.publish(event, SimpleNamespace(event_type=event_type))


def test_bodies_that_are_not_objects_are_skipped_without_failing(db, stack, seerr):
    for text in ("not json", "[1, 2]", "null", '"ISSUE_CREATED"'):
        assert publish("seerr", text, "ISSUE_CREATED") == 0
        assert publish("sonarr", text, "ManualInteractionRequired") == 0
        assert publish("sonarr", text, "Download") == 0
    assert publish("seerr", json.dumps({"notification_type": 7}), "") == 0
    assert IssueFix.select().count() == 0 and stack["sonarr"].commands == []


def test_a_manual_interaction_without_a_download_id_runs_nothing(db, stack, deliver):
    blocked_item(stack["sonarr"])
    deliver("sonarr", {"eventType": "ManualInteractionRequired", "downloadId": ""})
    deliver("sonarr", {"eventType": "ManualInteractionRequired"})
    assert MonitorRun.select().count() == 0 and stack["sonarr"].commands == []


def test_a_manual_interaction_for_another_download_fixes_only_that_one(db, stack, deliver):
    sonarr = stack["sonarr"]
    blocked_item(sonarr, "DL1")
    sonarr.add_queue_item(42001, download_id="DL2", status="completed", tracked_status="warning",
                          tracked_state="importBlocked", messages=["Not an upgrade"])
    deliver("sonarr", {"eventType": "ManualInteractionRequired", "downloadId": "dl2"})
    assert [(c["name"], c["body"]) for c in sonarr.commands] == [("EpisodeSearch", {"episodeIds": [42001]})]
    [run] = MonitorRun.select()
    assert run.trigger == "webhook" and run.found == 1


def test_a_manual_interaction_while_the_import_fix_runs_is_left_to_that_run(db, stack, deliver):
    blocked_item(stack["sonarr"])
    MonitorState.create(name="import-fix", running_since=clock.now())
    deliver("sonarr", {"eventType": "ManualInteractionRequired", "downloadId": "DL1"})
    assert stack["sonarr"].commands == [] and MonitorRun.select().count() == 0


def test_a_films_replacement_import_resolves_its_issue(db, stack, seerr, deliver, set_settings):
    set_settings(ISSUE_FIX_MODE="auto")
    radarr = stack["radarr"]
    radarr.add_movie(77, "Example Movie", 550123)
    radarr.add_history(1, download_id="G77", source_title="Example.Movie.2024.1080p-BAD", movieId=77)
    issue = seerr.add_issue(6, issue_type=1, media_type="movie", tmdb_id=550123, tvdb_id=None)
    deliver("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    # Another film's import changes nothing; this film's resolves the issue.
    deliver("radarr", {"eventType": "Download", "movie": {"id": 78, "tmdbId": 550999}, "movieFile": {"id": 1}})
    assert IssueFix.get(IssueFix.seerr_issue_id == 6).state == "fixing"
    deliver("radarr", {"eventType": "Download", "movie": {"id": 77, "tmdbId": 550123}, "movieFile": {"id": 2}})
    fix = IssueFix.get(IssueFix.seerr_issue_id == 6)
    assert fix.state == "resolved" and fix.affected["imported"] == [77]
    assert seerr.issues[6]["status"] == 2


def test_a_maintenance_window_leaves_the_webhook_to_the_first_run_after_it(db, stack, deliver):
    from datetime import timedelta

    from plexportal.health.models import MaintenanceWindow

    blocked_item(stack["sonarr"])
    MaintenanceWindow.create(starts_at=clock.now() - timedelta(minutes=5),
                                      ends_at=clock.now() + timedelta(hours=1), message="Disk swap",
                                      created_at=clock.now())
    deliver("sonarr", {"eventType": "ManualInteractionRequired", "downloadId": "DL1"})
    assert stack["sonarr"].commands == [] and MonitorRun.select().count() == 0
    clock.advance(timedelta(hours=1, minutes=1))
    assert service.run_monitor("import-fix").acted == 1
