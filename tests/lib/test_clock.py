"""The one source of "now": aware UTC always, and tests (and only tests) may move it."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from plexportal.lib import clock


@pytest.fixture(autouse=True)
def _reset():
    clock.reset()
    yield
    clock.reset()


def test_now_is_aware_utc():
    now = clock.now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert abs((datetime.now(UTC) - now).total_seconds()) < 5


def test_freeze_refuses_a_naive_time_and_stores_any_zone_as_utc():
    with pytest.raises(ValueError, match="aware"):
        clock.freeze(datetime(2026, 1, 1))
    clock.freeze(datetime(2026, 1, 1, 12, tzinfo=timezone(timedelta(hours=2))))
    assert clock.now() == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert clock.now().tzinfo == UTC


def test_advance_moves_a_frozen_clock_and_a_running_one():
    at = datetime(2026, 1, 1, tzinfo=UTC)
    clock.freeze(at)
    clock.advance(timedelta(hours=3))
    assert clock.now() == at + timedelta(hours=3)
    clock.reset()
    clock.advance(timedelta(days=2))
    assert (clock.now() - datetime.now(UTC)) > timedelta(days=1, hours=23)
    clock.reset()
    assert abs((clock.now() - datetime.now(UTC)).total_seconds()) < 5


def test_ensure_utc_reads_naive_as_utc_and_converts_others():
    assert clock.ensure_utc(None) is None
    assert clock.ensure_utc(datetime(2026, 1, 1, 8)) == datetime(2026, 1, 1, 8, tzinfo=UTC)
    eastern = datetime(2026, 1, 1, 8, tzinfo=timezone(timedelta(hours=-5)))
    assert clock.ensure_utc(eastern) == datetime(2026, 1, 1, 13, tzinfo=UTC)
