"""Sonarr and Radarr answering oddly: pages that lie about their size, queues with records that are
not records, the download-client setting missing, history without dates, and the wrong app behind
the address."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from plexportal.gateways import arr, radarr, sonarr
from plexportal.gateways.base import GatewayError


def page(records, total):
    return {"page": 1, "pageSize": 1000, "totalRecords": total, "records": records}


def test_a_queue_that_claims_more_than_it_sends_stops_at_an_empty_page(sonarr, fake_sonarr):
    fake_sonarr.fail_next(200, page([{"id": 1, "downloadId": "A"}], 5000), path="/api/v3/queue")
    fake_sonarr.fail_next(200, page([], 5000), path="/api/v3/queue")
    assert [q.download_id for q in sonarr.queue(page_size=1)] == ["A"]
    assert len(fake_sonarr.calls_to("/api/v3/queue")) == 2


def test_a_queue_page_without_records_is_not_the_api(sonarr, fake_sonarr):
    fake_sonarr.fail_next(200, {"page": 1, "records": None}, path="/api/v3/queue")
    with pytest.raises(GatewayError, match="unexpected page for queue") as err:
        sonarr.queue()
    assert err.value.permanent


def test_records_that_are_not_objects_are_skipped(sonarr, fake_sonarr):
    fake_sonarr.fail_next(200, page([None, "x", 5, {"id": 9, "downloadId": "B", "status": "Downloading"}], 4),
                          path="/api/v3/queue")
    [item] = sonarr.queue()
    assert (item.id, item.download_id, item.status) == (9, "B", "downloading")     # PascalCase from older Sonarr


def test_the_queue_asks_for_matched_items_with_their_media(sonarr, radarr, fake_sonarr, fake_radarr):
    sonarr.queue()
    radarr.queue()
    s = fake_sonarr.calls_to("/api/v3/queue")[0].query
    r = fake_radarr.calls_to("/api/v3/queue")[0].query
    assert s.get("includeSeries") == "true" and s.get("includeEpisode") == "true"
    assert r.get("includeMovie") == "true"
    assert s["includeUnknownSeriesItems"] == "false" and r["includeUnknownMovieItems"] == "false"


def test_the_redownload_setting_reads_false_when_missing_or_odd(sonarr, fake_sonarr):
    fake_sonarr.fail_next(200, {"id": 1}, path="/api/v3/config/downloadclient")
    assert sonarr.redownloads_failed() is False
    fake_sonarr.fail_next(200, {"autoRedownloadFailed": "true"}, path="/api/v3/config/downloadclient")
    assert sonarr.redownloads_failed() is False                   # a string is not the flag
    fake_sonarr.fail_next(200, [], path="/api/v3/config/downloadclient")
    with pytest.raises(GatewayError, match="download client settings") as err:
        sonarr.redownloads_failed()
    assert err.value.permanent


def test_the_latest_grab_ignores_records_without_a_download_or_date():
    rec = arr.HistoryRecord
    records = [rec(1, "grabbed", "", "no id", datetime(2026, 5, 3, tzinfo=UTC)),
               rec(2, "grabbed", "OLD", "old", datetime(2026, 5, 1, tzinfo=UTC)),
               rec(3, "downloadFailed", "NEWER", "failed", datetime(2026, 5, 4, tzinfo=UTC)),
               rec(4, "grabbed", "UNDATED", "undated", None)]
    assert arr.latest_grab(records).download_id == "OLD"
    assert arr.latest_grab([]) is None
    assert arr.latest_grab([records[0], records[2]]) is None


def test_history_data_values_are_kept_as_text(sonarr, fake_sonarr):
    fake_sonarr.fail_next(200, [{"id": 1, "eventType": "grabbed", "downloadId": "D", "date": "2026-05-01T10:00:00Z",
                                 "data": {"indexer": "Example", "size": 1234, "flags": None, "nested": {"a": 1}}}],
                          path="/api/v3/history/since")
    [record] = sonarr.history_since(datetime(2026, 5, 1, tzinfo=UTC))
    assert record.data == {"indexer": "Example", "size": "1234", "flags": "", "nested": ""}
    [call] = fake_sonarr.calls_to("/api/v3/history/since")
    assert call.query["date"] == "2026-05-01T00:00:00Z"


@pytest.mark.parametrize("module,fake,other", [(sonarr, "fake_radarr", "Radarr"), (radarr, "fake_sonarr", "Sonarr")])
def test_the_test_button_names_the_other_app_behind_the_address(request, module, fake, other):
    f = request.getfixturevalue(fake)
    result = module.check(f.url, f.api_key)
    assert not result.ok and result.message.startswith(f"That URL is {other}")


def test_the_test_button_needs_an_address():
    assert sonarr.check("", "k").message == "Sonarr is not configured (no URL)."
    assert radarr.check("", "k").message == "Radarr is not configured (no URL)."


def test_a_command_answer_that_is_not_a_command_is_an_error(sonarr, fake_sonarr):
    fake_sonarr.fail_next(201, ["queued"], path="/api/v3/command")
    with pytest.raises(GatewayError, match="the RefreshSeries command") as err:
        sonarr.refresh_series(42)
    assert err.value.permanent
