"""Reported issues: repaired once, commented, resolved when the replacement imports; loop guard."""
from datetime import timedelta

from plexportal.health import service
from plexportal.health.models import IssueFix
from plexportal.lib import clock
from plexportal.notify.models import Notification


def tv_issue(stack, seerr, *, season=1, episode=2):
    sonarr = stack["sonarr"]
    sonarr.add_series(42, "The Example Show", 371234, per_season=3)
    grab = sonarr.add_history(1, download_id="GRAB1", source_title="The.Example.Show.S01E02.1080p-BAD",
                              episodeId=42001, seriesId=42)
    issue = seerr.add_issue(5, issue_type=2, media_type="tv", tvdb_id=371234, season=season, episode=episode,
                            message="No audio after minute 10")
    return sonarr, grab, issue


def test_auto_mode_repairs_exactly_the_reported_episode_and_comments(db, stack, seerr, deliver, set_settings):
    set_settings(ISSUE_FIX_MODE="auto")
    sonarr, grab, issue = tv_issue(stack, seerr)
    deliver("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    fix = IssueFix.get(IssueFix.seerr_issue_id == 5)
    assert fix.state == "fixing" and fix.issue_type == "AUDIO" and (fix.season, fix.episode) == (1, 2)
    assert sonarr.deleted_files == [542001]                                   # only S01E02's file
    assert [c.path for c in sonarr.calls_to("/api/v3/history/failed/")] == [f"/api/v3/history/failed/{grab['id']}"]
    assert [b["sourceTitle"] for b in sonarr.blocklist] == ["The.Example.Show.S01E02.1080p-BAD"]
    assert [(c["name"], c["body"]) for c in sonarr.commands] == [("EpisodeSearch", {"episodeIds": [42001]})]
    [comment] = [c for c in seerr.calls_to("/api/v1/issue/5/comment")]
    assert comment.json["message"].startswith("[plexportal] Thanks for reporting this.")
    # The same webhook again (Seerr or a replay) repairs nothing twice.
    deliver("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    assert len(sonarr.commands) == 1 and sonarr.deleted_files == [542001]


def test_it_leaves_the_search_to_sonarr_when_redownload_failed_is_on(db, stack, seerr, deliver, set_settings):
    set_settings(ISSUE_FIX_MODE="auto")
    sonarr, _grab, issue = tv_issue(stack, seerr)
    sonarr.redownload_failed = True
    deliver("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    assert [(c["name"], c["body"]) for c in sonarr.commands] == [("EpisodeSearch", {"episodeIds": [42001]})]


def test_the_replacement_import_resolves_the_issue_and_tells_the_reporter(db, stack, seerr, deliver, set_settings):
    set_settings(ISSUE_FIX_MODE="auto_notify")
    _sonarr, _grab, issue = tv_issue(stack, seerr)
    deliver("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    assert Notification.get(Notification.kind == "health.issue").subject.startswith("Fixed a reported issue")
    # Our own comment comes back as ISSUE_COMMENT: recognised, nothing recorded.
    for body in seerr.sent_webhooks:
        deliver("seerr", body)
    assert IssueFix.get(IssueFix.seerr_issue_id == 5).comments == 0
    seerr.sent_webhooks.clear()
    deliver("sonarr", {"eventType": "Download", "series": {"id": 42, "tvdbId": 371234, "title": "The Example Show"},
                       "episodes": [{"id": 42001, "seasonNumber": 1, "episodeNumber": 2}],
                       "episodeFile": {"id": 9001}, "isUpgrade": False})
    fix = IssueFix.get(IssueFix.seerr_issue_id == 5)
    assert fix.state == "resolved" and fix.seerr_status == "RESOLVED"
    assert seerr.issues[5]["status"] == 2
    # Seerr's ISSUE_RESOLVED for our own resolution changes nothing.
    for body in seerr.sent_webhooks:
        deliver("seerr", body)
    assert IssueFix.get(IssueFix.seerr_issue_id == 5).state == "resolved"
    told = Notification.get(Notification.kind == "media.issue_fixed")
    assert told.destination == "bob@example.com"
    assert told.subject.startswith("Fixed: the audio problem you reported with")


def test_manual_mode_waits_for_approval(db, stack, seerr, deliver, logged_in_admin):
    sonarr, _grab, issue = tv_issue(stack, seerr)
    deliver("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    fix = IssueFix.get(IssueFix.seerr_issue_id == 5)
    assert fix.state == "review" and sonarr.commands == []
    assert Notification.get(Notification.kind == "health.issue").subject == "Issue reported: The Example Show (2023)"
    assert service.run_monitor("issue-fix").acted == 0
    page = logged_in_admin.get("/monitors/issues").get_data(as_text=True)
    assert "No audio after minute 10" in page and "Approve fix" in page
    r = logged_in_admin.post(f"/monitors/issues/{fix.id}/approve", htmx=True)
    assert "Fix started" in r.get_data(as_text=True)
    assert IssueFix.get_by_id(fix.id).state == "fixing"
    assert [c["name"] for c in sonarr.commands] == ["EpisodeSearch"]


def test_a_comment_from_a_person_is_recorded(db, stack, seerr, deliver):
    _sonarr, _grab, issue = tv_issue(stack, seerr)
    deliver("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    deliver("seerr", seerr.webhook_for(issue, "ISSUE_COMMENT", "Still broken on my TV"))
    fix = IssueFix.get(IssueFix.seerr_issue_id == 5)
    assert fix.comments == 1 and fix.last_comment == "Still broken on my TV"


def test_an_issue_without_an_episode_goes_to_review_with_the_reason(db, stack, seerr, deliver, set_settings):
    set_settings(ISSUE_FIX_MODE="auto")
    sonarr, _grab, issue = tv_issue(stack, seerr, season=0, episode=0)
    deliver("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    fix = IssueFix.get(IssueFix.seerr_issue_id == 5)
    assert fix.state == "review" and "does not say which season" in fix.error
    assert sonarr.deleted_files == [] and sonarr.commands == []


def test_a_film_issue_deletes_its_file_and_searches_the_film(db, stack, seerr, deliver, set_settings):
    set_settings(ISSUE_FIX_MODE="auto")
    radarr = stack["radarr"]
    radarr.add_movie(77, "Example Movie", 550123)
    radarr.add_history(1, download_id="G77", source_title="Example.Movie.2024.1080p-BAD", movieId=77)
    issue = seerr.add_issue(6, issue_type=1, media_type="movie", tmdb_id=550123, tvdb_id=None)
    deliver("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    assert radarr.deleted_files == [700077]
    assert [b["sourceTitle"] for b in radarr.blocklist] == ["Example.Movie.2024.1080p-BAD"]
    assert [(c["name"], c["body"]) for c in radarr.commands] == [("MoviesSearch", {"movieIds": [77]})]


def test_an_upstream_failure_is_retried_by_the_monitor_without_repeating_steps(db, stack, seerr, deliver,
                                                                              set_settings):
    set_settings(ISSUE_FIX_MODE="auto")
    sonarr, _grab, issue = tv_issue(stack, seerr)
    sonarr.fail_next(500, path="/api/v3/command")
    deliver("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    fix = IssueFix.get(IssueFix.seerr_issue_id == 5)
    assert fix.state == "retry" and "internal error" in fix.error
    run = service.run_monitor("issue-fix")
    assert run.acted == 1
    assert sonarr.deleted_files == [542001] and len(sonarr.calls_to("/api/v3/history/failed/")) == 1
    assert [c["name"] for c in sonarr.commands] == ["EpisodeSearch"]


def test_in_manual_mode_a_stale_issue_is_escalated_but_never_closed_in_seerr_by_the_clock(db, stack, seerr, deliver,
                                                                                           set_settings):
    set_settings(ISSUE_ESCALATE_DAYS="3", ISSUE_CLOSE_DAYS="10", ISSUE_FIX_MODE="manual")
    _sonarr, _grab, issue = tv_issue(stack, seerr)
    deliver("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    clock.advance(timedelta(days=11))
    service.run_monitor("issue-fix")
    assert IssueFix.get(IssueFix.seerr_issue_id == 5).state != "closed"
    assert seerr.issues[5]["status"] != 2 and seerr.calls_to("/api/v1/issue/5/resolved", "POST") == []
    assert "left for you to decide" in " ".join(service.last_runs("issue-fix")[0].lines)


def test_stale_issues_are_escalated_then_closed(db, stack, seerr, deliver, set_settings):
    set_settings(ISSUE_ESCALATE_DAYS="3", ISSUE_CLOSE_DAYS="10", ISSUE_FIX_MODE="auto")
    _sonarr, _grab, issue = tv_issue(stack, seerr)
    deliver("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    clock.advance(timedelta(days=4))
    assert service.run_monitor("issue-fix").acted == 1
    assert service.run_monitor("issue-fix").acted == 0                     # escalated once
    assert Notification.select().where(Notification.subject.startswith("Issue still open")).count() == 1
    clock.advance(timedelta(days=7))
    service.run_monitor("issue-fix")
    assert IssueFix.get(IssueFix.seerr_issue_id == 5).state == "closed"
    assert seerr.issues[5]["status"] == 2
    assert seerr.issues[5]["comments"][-1]["message"].startswith("[plexportal] Closed because")
