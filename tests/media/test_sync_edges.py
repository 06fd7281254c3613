"""The Seerr sync when Seerr is partly broken or odd: one sync at a time (and a dead one replaced),
titles Seerr cannot describe, a failure half way that keeps what was saved, requests of kinds we do
not handle, declined requests of available titles, and picks from the search list."""
from __future__ import annotations

from datetime import timedelta

import pytest

from plexportal.lib import clock
from plexportal.media import sync
from plexportal.media.models import MediaRequest, SyncRun


@pytest.fixture
def seerr_on(set_settings, fake_seerr):
    set_settings(SEERR_URL=fake_seerr.url, SEERR_API_KEY="seerr-key")
    return fake_seerr


def test_one_sync_at_a_time_and_a_dead_one_is_replaced(db, seerr_on, monkeypatch):
    from plexportal.media import tasks

    queued = []
    monkeypatch.setattr(tasks, "sync_seerr_task", lambda run_id: queued.append(run_id))
    first = sync.start_sync()
    assert sync.start_sync().id == first.id and queued == [first.id]
    clock.advance(timedelta(minutes=11))            # its worker died: the run never finished
    second = sync.start_sync()
    assert second.id != first.id and queued == [first.id, second.id]


def test_a_title_seerr_cannot_describe_is_still_saved_and_asked_about_once(db, seerr_on):
    seerr_on.add_user(2, "alice", "alice@example.com")
    seerr_on.add_request(1, "movie", 424242, 2)                 # no details at Seerr: 404
    seerr_on.add_request(2, "movie", 424242, 2)
    counts = sync.run_sync(SyncRun.create().id)
    assert counts["requests"] == 2
    assert {r.title for r in MediaRequest.select()} == {""}
    assert len([c for c in seerr_on.calls if c.path == "/api/v1/movie/424242"]) == 1


def test_a_failure_after_the_users_keeps_them_and_the_next_sync_catches_up(db, seerr_on):
    seerr_on.add_user(2, "alice", "alice@example.com")
    seerr_on.add_title("movie", 550123, "Example Movie")
    for rid in range(1, 151):
        seerr_on.add_request(rid, "movie", 550123, 2)
    seerr_on.fail_next(500, {"message": "database is locked"}, path="/api/v1/request", times=1)
    run = SyncRun.create()
    counts = sync.run_sync(run.id)
    run = SyncRun.get_by_id(run.id)
    assert run.status == "failed" and run.message.startswith("Sync stopped:") and run.finished_at is not None
    assert counts["users"] == 2 and counts["requests"] == 0
    # The next sync picks everything up.
    counts = sync.run_sync(SyncRun.create().id)
    assert counts["requests"] == 150 and MediaRequest.select().count() == 150


def test_requests_of_other_kinds_or_without_a_title_id_are_skipped(db, seerr_on):
    seerr_on.add_user(2, "alice", "alice@example.com")
    seerr_on.add_request(1, "movie", 550123, 2)
    odd = seerr_on.add_request(2, "music", 1, 2)
    odd["type"] = odd["media"]["mediaType"] = "music"
    no_id = seerr_on.add_request(3, "tv", 0, 2)
    no_id["media"]["tmdbId"] = None
    counts = sync.run_sync(SyncRun.create().id)
    assert counts["requests"] == 1
    assert [r.seerr_request_id for r in MediaRequest.select()] == [1]


def test_a_declined_request_stays_declined_even_when_the_title_is_available(db, seerr_on):
    seerr_on.add_user(2, "alice", "alice@example.com")
    seerr_on.add_request(1, "movie", 550123, 2, status=3, media_status=5)          # declined; another request got it
    seerr_on.add_request(2, "movie", 550124, 2, status=2, media_status=5)          # approved and there
    sync.run_sync(SyncRun.create().id)
    by_id = {r.seerr_request_id: r.status for r in MediaRequest.select()}
    assert by_id == {1: "declined", 2: "available"}


@pytest.mark.parametrize("value, expected", [
    ("movie:550123", ("movie", 550123)), (" tv:98765 ", ("tv", 98765)),
    ("movie:0", None), ("person:12", None), ("movie:12345678901", None), ("tv:12;drop", None), ("", None),
    (None, None),
])
def test_a_pick_from_the_search_list_is_read_strictly(value, expected):
    assert sync.parse_pick(value) == expected


def test_the_title_search_gives_up_quickly_and_does_not_retry(db, seerr_on, monkeypatch):
    from plexportal.gateways.base import GatewayError

    monkeypatch.setattr(sync, "SEARCH_TIMEOUT", (1.0, 0.3))
    seerr_on.fail_next(0, path="/api/v1/search", delay=1.5)
    with pytest.raises(GatewayError):
        sync.search_titles("Example")
    assert len(seerr_on.calls_to("/api/v1/search")) == 1
