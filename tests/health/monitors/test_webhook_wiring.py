"""The monitors hear the real webhook path: stored, processed by the media area, then published."""
from plexportal.health.models import IssueFix

NO_FILES = "No files found are eligible for import"


def test_a_manual_interaction_webhook_fixes_that_download_at_once(stack, hooks):
    sonarr = stack["sonarr"]
    sonarr.add_series(42, "The Example Show", 371234)
    sonarr.add_queue_item(42000, download_id="0123456789ABCDEF0123456789ABCDEF01234567", status="completed",
                          tracked_status="warning", tracked_state="importBlocked",
                          messages=["Series title mismatch; automatic import is not possible."])
    event = hooks("sonarr", {
        "series": {"id": 42, "title": "The Example Show", "path": "/tv/The Example Show", "tvdbId": 371234,
                   "tvMazeId": 0, "tmdbId": 98765, "type": "standard", "year": 2023, "titleSlug": "the-example-show"},
        "episodes": [{"id": 42000, "episodeNumber": 1, "seasonNumber": 1, "title": "Episode 1", "seriesId": 42,
                      "tvdbId": 1}],
        "downloadInfo": {"quality": "WEBDL-1080p", "qualityVersion": 1, "title": "The.Example.Show.S01E01", "size": 1},
        "downloadClient": "qBittorrent", "downloadClientType": "qBittorrent",
        "downloadId": "0123456789ABCDEF0123456789ABCDEF01234567", "downloadStatus": "Warning",
        "downloadStatusMessages": [{"title": "x", "messages": ["Series title mismatch"]}],
        "release": {"releaseType": "unknown"},
        "eventType": "ManualInteractionRequired", "instanceName": "Sonarr", "applicationUrl": ""})
    assert event.status != "failed", event.outcome
    assert [(c["name"], c["body"]) for c in sonarr.commands] == [("EpisodeSearch", {"episodeIds": [42000]})]


def test_a_seerr_issue_webhook_reaches_the_issue_monitor(stack, seerr, hooks):
    issue = seerr.add_issue(9, issue_type=3, media_type="tv", tvdb_id=371234, season=1, episode=1)
    event = hooks("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    assert event.status != "failed", event.outcome
    fix = IssueFix.get(IssueFix.seerr_issue_id == 9)
    assert fix.state == "review" and fix.issue_type == "SUBTITLES"
