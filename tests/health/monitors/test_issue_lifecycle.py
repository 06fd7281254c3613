"""Reported issues beyond the happy path: people resolving or reopening in Seerr, webhooks about
issues we never saw, Seerr failing while we resolve or close, files already gone, no grab history,
and an issue the admin dismissed."""
from datetime import UTC, datetime, timedelta

from plexportal.health import service
from plexportal.health.models import IssueFix
from plexportal.health.monitors import issue_fix
from plexportal.lib import clock
from plexportal.notify.models import Notification


def tv_issue(stack, seerr, *, issue_id=5, season=1, episode=2, with_grab=True):
    sonarr = stack["sonarr"]
    if 42 not in sonarr.series:
        sonarr.add_series(42, "The Example Show", 371234, per_season=3)
    if with_grab:
        sonarr.add_history(1, download_id="GRAB1", source_title="The.Example.Show.S01E02.1080p-BAD",
                           episodeId=42001, seriesId=42)
    issue = seerr.add_issue(issue_id, issue_type=1, media_type="tv", tvdb_id=371234, season=season,
                            episode=episode, message="Picture freezes")
    return sonarr, issue


def download(series_tvdb=371234, episode_ids=(42001,)):
    return {"eventType": "Download", "series": {"id": 42, "tvdbId": series_tvdb, "title": "The Example Show"},
            "episodes": [{"id": e, "seasonNumber": 1, "episodeNumber": e % 1000 + 1} for e in episode_ids],
            "episodeFile": {"id": 9001}, "isUpgrade": False}


def fix_of(issue_id=5) -> IssueFix:
    return IssueFix.get(IssueFix.seerr_issue_id == issue_id)


def test_a_person_resolving_the_issue_in_seerr_is_recorded_and_nobody_is_told(db, stack, seerr, deliver):
    sonarr, issue = tv_issue(stack, seerr)
    deliver("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    assert fix_of().state == "review"
    seerr.issues[5]["status"] = 2
    deliver("seerr", seerr.webhook_for(issue, "ISSUE_RESOLVED"))
    fix = fix_of()
    assert fix.state == "resolved" and fix.seerr_status == "RESOLVED" and fix.resolved_at is not None
    assert sonarr.commands == [] and sonarr.deleted_files == []
    assert not Notification.select().where(Notification.kind == "media.issue_fixed").exists()
    # A resolved issue is neither escalated nor closed later.
    clock.advance(timedelta(days=60))
    run = service.run_monitor("issue-fix")
    assert run.acted == 0 and fix_of().state == "resolved"


def test_a_reopened_issue_in_auto_mode_is_repaired_again(db, stack, seerr, deliver, set_settings):
    set_settings(ISSUE_FIX_MODE="auto")
    sonarr, issue = tv_issue(stack, seerr)
    deliver("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    deliver("sonarr", download())
    assert fix_of().state == "resolved"
    # The replacement is bad too: a new grab brought it, the reporter reopens.
    sonarr.add_history(1, download_id="GRAB2", source_title="The.Example.Show.S01E02.720p-ALSOBAD",
                       date=datetime.now(UTC) + timedelta(hours=1), episodeId=42001, seriesId=42)
    sonarr.episode_files[600001] = {"id": 600001, "seriesId": 42, "seasonNumber": 1,
                                    "relativePath": "Season 01/The Example Show - S01E02.mkv", "quality": {}}
    sonarr.episodes[42001].update(episodeFileId=600001, hasFile=True)
    seerr.issues[5]["status"] = 1
    deliver("seerr", seerr.webhook_for(issue, "ISSUE_REOPENED"))
    fix = fix_of()
    assert fix.state == "fixing" and fix.seerr_status == "OPEN" and fix.resolved_at is None
    assert sonarr.deleted_files == [542001, 600001]
    assert [b["sourceTitle"] for b in sonarr.blocklist] == ["The.Example.Show.S01E02.1080p-BAD",
                                                             "The.Example.Show.S01E02.720p-ALSOBAD"]
    assert [c["name"] for c in sonarr.commands] == ["EpisodeSearch", "EpisodeSearch"]


def test_a_reopened_issue_in_manual_mode_waits_for_the_admin(db, stack, seerr, deliver, set_settings):
    set_settings(ISSUE_FIX_MODE="auto")
    sonarr, issue = tv_issue(stack, seerr)
    deliver("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    deliver("sonarr", download())
    set_settings(ISSUE_FIX_MODE="manual")
    deliver("seerr", seerr.webhook_for(issue, "ISSUE_REOPENED"))
    fix = fix_of()
    assert fix.state == "review" and fix.affected is None and fix.fixed_at is None
    assert len(sonarr.commands) == 1                                   # only the first round's search
    assert service.run_monitor("issue-fix").acted == 0


def test_webhooks_about_issues_we_never_saw_change_nothing(db, stack, seerr):
    sonarr, issue = tv_issue(stack, seerr)
    for kind in ("ISSUE_COMMENT", "ISSUE_RESOLVED", "ISSUE_REOPENED"):
        assert issue_fix.handle_issue_event(kind, seerr.webhook_for(issue, kind, "hello")) == "unknown issue"
    assert IssueFix.select().count() == 0 and sonarr.commands == []


def test_a_webhook_without_a_usable_issue_id_is_ignored(db, stack, seerr, deliver):
    sonarr, issue = tv_issue(stack, seerr)
    for missing in ("", None):
        body = seerr.webhook_for(issue, "ISSUE_CREATED")
        body["issue"]["issue_id"] = missing
        assert issue_fix.handle_issue_event("ISSUE_CREATED", body) == "no issue id"
    body = seerr.webhook_for(issue, "ISSUE_CREATED")
    del body["issue"]
    assert issue_fix.handle_issue_event("ISSUE_CREATED", body) == "no issue id"
    # A body of a shape we do not know is skipped by the subscriber, without failing the event.
    for bad in ("abc", True, {"id": 5}, "99999999999999999999"):
        body = seerr.webhook_for(issue, "ISSUE_CREATED")
        body["issue"]["issue_id"] = bad
        deliver("seerr", body)
    deliver("seerr", {**seerr.webhook_for(issue, "ISSUE_CREATED"), "issue": "5"})
    assert IssueFix.select().count() == 0 and sonarr.commands == []


def test_an_event_kind_we_do_not_handle_is_ignored(db, stack, seerr, deliver):
    _, issue = tv_issue(stack, seerr)
    deliver("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    assert issue_fix.handle_issue_event("MEDIA_AVAILABLE", seerr.webhook_for(issue, "ISSUE_CREATED")) == "ignored"
    assert fix_of().state == "review"


def test_seerr_failing_while_we_resolve_is_retried_by_the_next_run_and_the_reporter_told_once(
        db, stack, seerr, deliver, set_settings):
    set_settings(ISSUE_FIX_MODE="auto")
    _, issue = tv_issue(stack, seerr)
    deliver("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    seerr.fail_next(503, {"message": "Service Unavailable"}, path="/api/v1/issue/5/resolved")
    deliver("sonarr", download())
    fix = fix_of()
    # Not resolved: the issues page and the weekly summary must not say so.
    assert fix.state == "fixing" and fix.error and fix.resolved_at is None and fix.seerr_status == "OPEN"
    assert fix.affected["imported"] == [42001] and fix.affected["resolved_comment"] is True
    assert not Notification.select().where(Notification.kind == "media.issue_fixed").exists()
    assert seerr.issues[5]["status"] == 1

    run = service.run_monitor("issue-fix")
    assert run.acted == 1 and fix_of().state == "resolved" and seerr.issues[5]["status"] == 2
    # The "replacement imported" comment was made once, before the failure; not again.
    replaced = [c for c in seerr.issues[5]["comments"] if "replacement has been imported" in c["message"]]
    assert len(replaced) == 1
    assert Notification.select().where(Notification.kind == "media.issue_fixed").count() == 1
    assert service.run_monitor("issue-fix").acted == 0


def test_a_reporter_with_an_account_is_told_through_their_own_channels(db, stack, seerr, deliver, set_settings,
                                                                       make_user):
    set_settings(ISSUE_FIX_MODE="auto")
    bob = make_user("bob", email="bob@example.com")
    _, issue = tv_issue(stack, seerr)
    deliver("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    deliver("sonarr", download())
    [told] = Notification.select().where(Notification.kind == "media.issue_fixed")
    assert told.user_id == bob.id and told.audience == "user"
    assert told.payload["issue_id"] == 5 and "S01E02" in told.payload["subject"]


def test_an_import_of_another_episode_or_series_does_not_resolve(db, stack, seerr, deliver, set_settings):
    set_settings(ISSUE_FIX_MODE="auto")
    _, issue = tv_issue(stack, seerr)
    deliver("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    deliver("sonarr", download(episode_ids=(42000,)))
    deliver("sonarr", download(series_tvdb=999999))
    fix = fix_of()
    assert fix.state == "fixing" and not (fix.affected or {}).get("imported")
    assert seerr.issues[5]["status"] == 1


def test_a_season_wide_issue_waits_for_every_episode_of_the_season(db, stack, seerr, deliver, set_settings):
    set_settings(ISSUE_FIX_MODE="auto")
    sonarr, issue = tv_issue(stack, seerr, episode=0)
    deliver("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    fix = fix_of()
    assert fix.affected["episode_ids"] == [42000, 42001, 42002]
    assert sorted(sonarr.deleted_files) == [542000, 542001, 542002]
    assert [(c["name"], c["body"]) for c in sonarr.commands] == [("EpisodeSearch", {"episodeIds": [42000, 42001, 42002]})]
    deliver("sonarr", download(episode_ids=(42000, 42001)))
    assert fix_of().state == "fixing" and fix_of().affected["imported"] == [42000, 42001]
    deliver("sonarr", download(episode_ids=(42002,)))
    assert fix_of().state == "resolved"


def test_a_file_already_deleted_by_hand_counts_as_deleted(db, stack, seerr, deliver, set_settings):
    set_settings(ISSUE_FIX_MODE="auto")
    sonarr, issue = tv_issue(stack, seerr)
    del sonarr.episode_files[542001]                  # gone from disk; the episode still points at it
    deliver("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    fix = fix_of()
    assert fix.state == "fixing" and fix.affected["deleted"] == [542001]
    assert [c["name"] for c in sonarr.commands] == ["EpisodeSearch"]


def test_without_grab_history_nothing_is_blocklisted_but_a_search_is_still_sent(db, stack, seerr, deliver,
                                                                                set_settings):
    set_settings(ISSUE_FIX_MODE="auto_notify")
    sonarr, issue = tv_issue(stack, seerr, with_grab=False)
    sonarr.redownload_failed = True                   # nothing marked failed, so Sonarr will not search
    deliver("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    fix = fix_of()
    assert fix.affected["blocklisted"] == ["(no grab history: nothing to blocklist)"]
    assert sonarr.blocklist == []
    assert [(c["name"], c["body"]) for c in sonarr.commands] == [("EpisodeSearch", {"episodeIds": [42001]})]
    alert = Notification.get(Notification.subject.startswith("Fixed a reported issue"))
    assert "nothing to blocklist" in alert.text_body and "searched The Example Show S01E02" in alert.text_body


def test_a_film_radarr_does_not_have_goes_to_review_and_the_admin_is_told(db, stack, seerr, deliver, set_settings):
    set_settings(ISSUE_FIX_MODE="auto")
    issue = seerr.add_issue(8, issue_type=3, media_type="movie", tmdb_id=424242, tvdb_id=None)
    deliver("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    fix = fix_of(8)
    assert fix.state == "review" and fix.error == "Radarr has no film with TMDB id 424242"
    alert = Notification.get(Notification.subject.startswith("Issue needs your review"))
    assert "could not fix it by itself: Radarr has no film with TMDB id 424242" in alert.text_body
    assert stack["radarr"].commands == [] and stack["radarr"].deleted_files == []


def test_a_film_issue_without_a_tmdb_id_goes_to_review(db, stack, seerr, deliver, set_settings):
    set_settings(ISSUE_FIX_MODE="auto")
    issue = seerr.add_issue(9, media_type="movie", tmdb_id=None, tvdb_id=None)
    deliver("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    assert fix_of(9).state == "review" and fix_of(9).error == "the issue carries no TMDB id"


def test_an_unknown_series_or_episode_goes_to_review_with_the_reason(db, stack, seerr, deliver, set_settings):
    set_settings(ISSUE_FIX_MODE="auto")
    stack["sonarr"].add_series(42, "The Example Show", 371234, per_season=3)
    unknown_series = seerr.add_issue(10, media_type="tv", tvdb_id=111, season=1, episode=1)
    no_such_episode = seerr.add_issue(11, media_type="tv", tvdb_id=371234, season=1, episode=9)
    no_tvdb = seerr.add_issue(12, media_type="tv", tvdb_id=None, season=1, episode=1)
    for issue in (unknown_series, no_such_episode, no_tvdb):
        deliver("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    assert fix_of(10).error == "Sonarr has no series with TVDB id 111"
    assert fix_of(11).error == "Sonarr has no such episode"
    assert fix_of(12).error == "the issue carries no TVDB id"
    assert {f.state for f in IssueFix.select()} == {"review"}
    assert stack["sonarr"].commands == []


def test_closing_a_stale_issue_while_seerr_is_down_is_tried_again(db, stack, seerr, deliver, set_settings):
    # closing by the clock is what the automatic modes do; manual mode only escalates
    set_settings(ISSUE_FIX_MODE="auto", ISSUE_ESCALATE_DAYS="3", ISSUE_CLOSE_DAYS="10")
    _, issue = tv_issue(stack, seerr)
    deliver("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    clock.advance(timedelta(days=11))
    seerr.fail_next(500, {"message": "boom"}, path="/api/v1/issue/5")
    run = service.run_monitor("issue-fix")
    assert run.status == "error" and any(e.startswith("Seerr:") for e in run.errors)
    fix = fix_of()
    assert fix.state != "closed" and fix.resolved_at is None and seerr.issues[5]["status"] == 1
    run = service.run_monitor("issue-fix")
    assert run.status == "ok" and fix_of().state == "closed" and seerr.issues[5]["status"] == 2


def test_a_dismissed_issue_is_left_alone(db, stack, seerr, deliver, set_settings):
    sonarr, issue = tv_issue(stack, seerr)
    deliver("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    issue_fix.dismiss(fix_of().id)
    assert fix_of().state == "dismissed"
    set_settings(ISSUE_FIX_MODE="auto")
    clock.advance(timedelta(days=60))
    assert service.run_monitor("issue-fix").acted == 0
    assert fix_of().state == "dismissed" and sonarr.commands == [] and seerr.issues[5]["status"] == 1
    # Approving a dismissed issue does nothing either.
    assert issue_fix.approve(fix_of().id).state == "dismissed"


def test_a_fix_that_is_already_under_way_is_not_started_twice(db, stack, seerr, deliver, set_settings):
    set_settings(ISSUE_FIX_MODE="auto")
    sonarr, issue = tv_issue(stack, seerr)
    deliver("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    assert issue_fix.fix_issue(fix_of().id).state == "fixing"
    assert len(sonarr.commands) == 1 and sonarr.deleted_files == [542001]


def test_an_open_issue_left_by_auto_mode_waits_once_the_mode_is_manual(db, stack, seerr, set_settings):
    set_settings(ISSUE_FIX_MODE="manual")
    stack["sonarr"].add_series(42, "The Example Show", 371234, per_season=3)
    seerr.add_issue(20, media_type="tv", tvdb_id=371234, season=1, episode=2)
    IssueFix.create(seerr_issue_id=20, media_type="tv", tvdb_id=371234, season=1, episode=2, state="open",
                    title="The Example Show")
    run = service.run_monitor("issue-fix")
    assert run.found == 0 and run.acted == 0 and stack["sonarr"].commands == []
    set_settings(ISSUE_FIX_MODE="auto")
    run = service.run_monitor("issue-fix")
    assert run.found == 1 and run.acted == 1 and [c["name"] for c in stack["sonarr"].commands] == ["EpisodeSearch"]
