"""Every webhook shape in the reference parses to the right ids and episodes; junk never crashes."""
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plexportal.media import parsing
from plexportal.media.parsing import Episode, ParseError
from tests.media.conftest import fixture, raw


def test_it_reads_a_sonarr_v4_per_file_download():
    p = parsing.parse("sonarr", raw("sonarr_v4_download"))
    assert (p.kind, p.media_type, p.import_complete, p.is_upgrade) == ("import", "tv", False, False)
    assert (p.tvdb_id, p.tmdb_id, p.imdb_id, p.title, p.year) == (371234, 98765, "tt1234567", "The Example Show", 2023)
    assert p.episodes == [Episode(2, 3, "The Third One")]


def test_it_reads_a_multi_episode_file_as_both_episodes():
    p = parsing.parse("sonarr", raw("sonarr_v4_download_multi_episode"))
    assert [(e.season, e.episode) for e in p.episodes] == [(2, 4), (2, 5)]


def test_it_tells_import_complete_apart_by_shape():
    p = parsing.parse("sonarr", raw("sonarr_v4_import_complete"))
    assert p.event_type == "Download" and p.kind == "import" and p.import_complete
    assert [(e.season, e.episode) for e in p.episodes] == [(1, 1), (1, 2)]


def test_it_reads_sonarr_v3_without_instance_name_or_tmdb():
    p = parsing.parse("sonarr", raw("sonarr_v3_download"))
    assert p.kind == "import" and p.tvdb_id == 371234 and p.tmdb_id is None and p.instance == ""


@pytest.mark.parametrize("name,kind", [("sonarr_v4_grab", "grab"), ("sonarr_v4_test", "test"),
                                       ("sonarr_v4_manual_interaction", "manual_interaction"),
                                       ("sonarr_v4_health", "other"), ("sonarr_v4_series_add", "other")])
def test_it_classifies_other_sonarr_events(name, kind):
    assert parsing.parse("sonarr", raw(name)).kind == kind


def test_it_reads_radarr_v5_download_with_poster_ids_and_unknown_release_date():
    p = parsing.parse("radarr", raw("radarr_v5_download"))
    assert (p.kind, p.media_type, p.tmdb_id, p.imdb_id, p.year) == ("import", "movie", 550123, "tt7654321", 2024)
    u = parsing.parse("radarr", raw("radarr_v5_download_upgrade_unknown_date"))
    assert u.is_upgrade and u.tmdb_id == 660001 and u.data["movie"]["releaseDate"] == "9999-12-31"


def test_it_reads_radarr_v4_download():
    p = parsing.parse("radarr", raw("radarr_v4_download"))
    assert p.kind == "import" and p.tmdb_id == 550123 and p.poster_url == ""


@pytest.mark.parametrize("name,kind", [("radarr_v5_grab", "grab"), ("radarr_v5_test", "test")])
def test_it_classifies_other_radarr_events(name, kind):
    assert parsing.parse("radarr", raw(name)).kind == kind


@pytest.mark.parametrize("name,status", [
    ("seerr_media_pending_movie", "pending"), ("seerr_media_approved_movie", "approved"),
    ("seerr_media_auto_approved_tv", "approved"), ("seerr_media_available_movie", "available"),
    ("seerr_media_available_tv", "available"), ("seerr_media_declined_movie", "declined"),
    ("seerr_media_failed_movie", "failed")])
def test_it_reads_seerr_request_notifications_with_string_ids(name, status):
    p = parsing.parse("seerr", raw(name))
    assert p.kind == "request" and p.request.status == status
    assert isinstance(p.tmdb_id, int) and isinstance(p.request.request_id, int)


def test_it_reads_seerr_tv_seasons_title_and_year():
    p = parsing.parse("seerr", raw("seerr_media_approved_tv"))
    assert (p.title, p.year, p.tvdb_id, p.request.seasons) == ("The Example Show", 2023, 371234, [1, 2])
    assert p.request.email == "bob@example.com"


def test_it_accepts_seerr_test_and_issue_with_null_objects():
    assert parsing.parse("seerr", raw("seerr_test_notification")).kind == "test"
    issue = parsing.parse("seerr", raw("seerr_issue_created"))
    assert issue.kind == "issue" and issue.request is None


def test_it_reads_empty_strings_as_missing_ids():
    body = fixture("seerr_media_approved_movie")
    body["media"]["tvdbId"] = ""
    assert parsing.parse("seerr", json.dumps(body)).tvdb_id is None
    body["media"]["tmdbId"] = ""
    with pytest.raises(ParseError, match="tmdbId"):
        parsing.parse("seerr", json.dumps(body))


@pytest.mark.parametrize("body,reason", [(b"", "empty"), (b"not json", "not valid JSON"), (b"[1,2]", "not an object"),
                                         (b'{"x": 1}', "eventType"), (b'{"eventType": "Download"}', "episodeFile")])
def test_it_gives_a_clear_reason_for_bad_bodies(body, reason):
    with pytest.raises(ParseError, match=reason):
        parsing.parse("sonarr", body)


def test_it_masks_secrets_in_payloads():
    masked = parsing.mask_secrets({"authHeader": "Bearer x", "url": "http://h/?apikey=abc&x=1", "n": {"token": "t"}})
    assert masked == {"authHeader": "Bearer x", "url": "http://h/?apikey=••••••••&x=1", "n": {"token": "••••••••"}}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=25)
KEYS = ["eventType", "series", "episodes", "episodeFile", "episodeFiles", "fileCount", "movie", "movieFile",
        "remoteMovie", "notification_type", "media", "request", "extra", "subject", "image", "tvdbId", "tmdbId",
        "seasonNumber", "episodeNumber", "isUpgrade", "request_id", "media_type"]
shaped = st.dictionaries(st.sampled_from(KEYS), json_values | st.sampled_from(
    ["Download", "MEDIA_APPROVED", "Test", "tv", "movie"]), max_size=8)


@settings(max_examples=300, deadline=None)
@given(source=st.sampled_from(["sonarr", "radarr", "seerr"]), body=st.binary(max_size=300))
def test_it_never_crashes_on_arbitrary_bytes(source, body):
    try:
        parsing.parse(source, body)
    except ParseError as err:
        assert err.reason


@settings(max_examples=400, deadline=None)
@given(source=st.sampled_from(["sonarr", "radarr", "seerr"]), body=shaped)
def test_it_never_crashes_on_webhook_shaped_json(source, body):
    try:
        parsed = parsing.parse(source, json.dumps(body).encode())
    except ParseError as err:
        assert err.reason
    else:
        assert all(isinstance(e.season, int) for e in parsed.episodes)


@settings(max_examples=200, deadline=None)
@given(name=st.sampled_from(["sonarr_v4_download", "radarr_v5_download", "seerr_media_approved_tv"]),
       path=st.lists(st.text(max_size=10), max_size=3), value=json_values)
def test_it_never_crashes_when_a_real_payload_is_mutated(name, path, value):
    body = fixture(name)
    target = body
    for key in path[:-1]:
        target = target.setdefault(key, {}) if isinstance(target, dict) else {}
    if isinstance(target, dict):
        target[path[-1] if path else "series"] = value
    try:
        parsing.parse(name.split("_")[0], json.dumps(body))
    except ParseError:
        pass
