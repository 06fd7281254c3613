"""Whatever JSON a remote system sends, the gateways build their dataclasses or raise a
GatewayError: never a KeyError, TypeError or AttributeError deep in an area (DESIGN law 14).
Checked on the record builders with generated JSON, and on the tolerant readers directly."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plexportal.gateways import arr, seerr, wire

scalars = st.none() | st.booleans() | st.integers(min_value=-2 ** 63, max_value=2 ** 63) | \
    st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)

# Records keep their real keys, so the generated values land where the builders look.
ARR_KEYS = ["id", "title", "tvdbId", "tmdbId", "imdbId", "year", "runtime", "seriesId", "seasonNumber",
            "episodeNumber", "airDateUtc", "hasFile", "monitored", "episodeFileId", "series", "movie", "episode",
            "movieFileId", "inCinemas", "digitalRelease", "physicalRelease", "downloadId", "status",
            "trackedDownloadStatus", "trackedDownloadState", "statusMessages", "errorMessage", "size", "sizeleft",
            "timeleft", "added", "protocol", "downloadClient", "indexer", "episodeId", "movieId", "date",
            "eventType", "sourceTitle", "data", "name", "commandName", "state", "message"]
SEERR_KEYS = ["id", "email", "displayName", "username", "plexUsername", "plexId", "avatar", "status", "type",
              "media", "mediaType", "tmdbId", "tvdbId", "imdbId", "seasons", "seasonNumber", "requestedBy",
              "createdAt", "updatedAt", "name", "title", "releaseDate", "firstAirDate", "posterPath", "overview",
              "mediaInfo", "externalIds", "numberOfSeasons", "issueType", "problemSeason", "problemEpisode",
              "createdBy", "comments", "message"]


def records(keys):
    return st.dictionaries(st.sampled_from(keys), json_values, max_size=12)


BUILDERS = [arr.Series.from_wire, arr.Episode.from_wire, arr.Movie.from_wire, arr.QueueItem.from_wire,
            arr.HistoryRecord.from_wire, arr.Command.from_wire]
SEERR_BUILDERS = [seerr.SeerrUser.from_wire, seerr.SeerrRequest.from_wire, seerr.SeerrTitle.from_wire,
                  seerr.TitleDetails.from_wire, seerr.SeerrIssue.from_wire]


@settings(max_examples=150, deadline=None)
@given(record=records(ARR_KEYS))
def test_arr_records_of_any_shape_build_without_crashing(record):
    for build in BUILDERS:
        built = build(record)
        assert isinstance(built.id, int) if hasattr(built, "id") else True


@settings(max_examples=150, deadline=None)
@given(record=records(SEERR_KEYS))
def test_seerr_records_of_any_shape_build_without_crashing(record):
    for build in SEERR_BUILDERS:
        build(record)


@given(value=json_values)
def test_a_seerr_search_result_that_is_not_an_object_is_skipped(value):
    if not isinstance(value, dict):
        assert seerr.SeerrTitle.from_wire(value) is None


@given(value=json_values)
def test_the_tolerant_readers_never_raise_and_keep_their_types(value):
    assert isinstance(wire.obj(value), dict)
    assert all(isinstance(v, dict) for v in wire.objects(value))
    got = wire.integer(value)
    assert got is None or (isinstance(got, int) and not isinstance(got, bool))
    assert isinstance(wire.number(value), float)
    assert isinstance(wire.text(value), str) and len(wire.text(value, 5)) <= 5
    assert wire.optional_text(value) is None or isinstance(wire.optional_text(value), str)
    assert isinstance(wire.flag(value), bool)
    moment = wire.moment(value)
    assert moment is None or moment.utcoffset() == timedelta(0)


@pytest.mark.parametrize("value,expected", [
    (5, 5), (5.0, 5), (5.5, None), (True, None), ("5", None), (None, None), (2 ** 40, 2 ** 40),
])
def test_an_id_is_a_whole_number_and_nothing_else(value, expected):
    assert wire.integer(value) == expected


@pytest.mark.parametrize("value,expected", [
    ("2024-05-01T20:00:00Z", datetime(2024, 5, 1, 20, tzinfo=UTC)),
    ("2024-05-01T22:00:00+02:00", datetime(2024, 5, 1, 20, tzinfo=UTC)),
    ("2024-05-01T20:00:00", datetime(2024, 5, 1, 20, tzinfo=UTC)),           # no zone: UTC
    ("2024-05-01", datetime(2024, 5, 1, tzinfo=UTC)),
    ("9999-12-31T00:00:00Z", None),                       # Radarr's "no date known"
    ("not a date", None), ("", None), (None, None), (1714593600, None),
])
def test_times_are_read_as_aware_utc_or_not_at_all(value, expected):
    assert wire.moment(value) == expected


def test_times_go_out_as_utc_whole_seconds_with_z():
    local = datetime(2024, 5, 1, 22, 0, 30, 999, tzinfo=timezone(timedelta(hours=2)))
    assert wire.iso(local) == "2024-05-01T20:00:30Z"
    assert wire.iso("2024-05-01") == "2024-05-01"


def test_text_takes_numbers_but_not_structures_or_booleans():
    assert wire.text(12) == "12" and wire.text(1.5) == "1.5"
    assert wire.text(True) == "" and wire.text({"a": 1}) == "" and wire.text(None) == ""
    assert wire.text("abcdef", 3) == "abc"
    assert wire.number(True) == 0.0 and wire.number("3") == 0.0 and wire.number(3) == 3.0
    assert wire.flag("true") is False and wire.flag(None, default=True) is True


def test_a_queue_record_from_the_reference_survives_nulls_everywhere(fake_sonarr):
    """The reference's queue record with every value nulled: an item with empty fields, no crash."""
    record = {"id": 1, "downloadId": "ABC", "title": "The.Example.Show.S01E02", "status": "downloading",
              "trackedDownloadStatus": "warning", "trackedDownloadState": "importBlocked",
              "statusMessages": [{"title": "x", "messages": ["One or more episodes expected"]}],
              "size": 1000, "sizeleft": 0, "episode": {"episodeNumber": 2, "title": "Two"},
              "series": {"title": "The Example Show"}}
    nulled = json.loads(json.dumps({k: None for k in record}))
    item = arr.QueueItem.from_wire(nulled)
    assert (item.id, item.download_id, item.messages, item.size, item.episode_number) == (0, "", [], 0.0, None)
    full = arr.QueueItem.from_wire(record)
    assert full.messages == ["One or more episodes expected"] and full.media_title == "The Example Show"
    assert full.status == "downloading" and full.tracked_status == "warning"
