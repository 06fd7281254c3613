"""What people read: sizes, durations, relative times and times in the configured zone."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from plexportal.lib import clock, fmt

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("n,binary,text", [
    (None, False, "—"), (0, False, "0 B"), (999, False, "999 B"), (1000, False, "1.0 KB"),
    (1_500_000, False, "1.5 MB"), (1024, True, "1.0 KiB"), (1023, True, "1023 B"),
    (5 * 1024 ** 3, True, "5.0 GiB"), (10 ** 18, False, "1000.0 PB"),        # the largest unit keeps counting
    (-2048, True, "-2.0 KiB"),
])
def test_it_writes_sizes_in_decimal_or_binary_units(n, binary, text):
    assert fmt.human_bytes(n, binary=binary) == text


@pytest.mark.parametrize("seconds,text", [
    (None, "—"), (0, "0 s"), (59.4, "59 s"), (59.6, "1 min"), (60, "1 min"), (125, "2 min 5 s"),
    (3600, "1 h"), (3660, "1 h 1 min"), (47 * 3600, "47 h"), (48 * 3600, "2 d"), (50 * 3600, "2 d 2 h"),
])
def test_it_writes_durations_in_the_two_largest_units(seconds, text):
    assert fmt.human_duration(seconds) == text


def test_it_picks_singular_or_plural():
    assert fmt.plural(1, "message") == "message"
    assert fmt.plural(0, "message") == "messages"
    assert fmt.plural(2, "library", "libraries") == "libraries"


@pytest.mark.parametrize("ago,text", [
    (timedelta(seconds=10), "a few seconds ago"), (timedelta(seconds=60), "a minute ago"),
    (timedelta(minutes=10), "10 minutes ago"), (timedelta(minutes=70), "an hour ago"),
    (timedelta(hours=5), "5 hours ago"), (timedelta(hours=30), "a day ago"), (timedelta(days=10), "10 days ago"),
    (timedelta(days=90), "3 months ago"), (timedelta(days=800), "2 years ago"),
    (-timedelta(days=3), "in 3 days"), (-timedelta(minutes=5), "in 5 minutes"),
])
def test_it_writes_relative_times_both_ways(ago, text):
    assert fmt.reltime(NOW - ago, NOW) == text


def test_it_reads_a_naive_database_time_as_utc():
    naive = (NOW - timedelta(hours=2)).replace(tzinfo=None)
    assert fmt.reltime(naive, NOW) == "2 hours ago"
    assert fmt.reltime(None) == "never"
    assert fmt.isotime(naive) == "2026-03-01T10:00:00Z"
    assert fmt.isotime(None) is None


def test_it_uses_the_clock_when_no_now_is_given():
    clock.freeze(NOW)
    try:
        assert fmt.reltime(NOW - timedelta(minutes=3)) == "3 minutes ago"
    finally:
        clock.reset()


def test_it_shows_times_in_the_configured_zone_and_falls_back_to_utc(set_settings):
    set_settings(TIMEZONE="Europe/Paris")
    assert fmt.localtime(NOW) == "2026-03-01 13:00"
    assert fmt.localtime(NOW.replace(month=7), "%H:%M %Z") == "14:00 CEST"     # summer time
    assert fmt.localtime(None) == "—"


def test_an_unknown_zone_name_never_breaks_a_page():
    assert clock.zone("Mars/Olympus") == clock.zone("UTC")
    assert clock.zone(None) == clock.zone("UTC")
    assert clock.zone("../../etc/passwd") == clock.zone("UTC")
    assert clock.is_valid_zone("America/New_York") and not clock.is_valid_zone("Mars/Olympus")
