"""The log parser over logs written the way the script, `date` and every rsync format write them."""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from plexportal.backups import parsing
from tests.backups import loggen as g

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def scan(text: str, zone=NY, binary=False, pieces=1):
    scanner = parsing.LogScanner(zone, binary)
    data = text.encode()
    runs = []
    if pieces == 1:
        runs += scanner.feed(data)
    else:   # feed at line boundaries in several pieces, like the chunked reader does
        lines = data.splitlines(keepends=True)
        step = max(1, len(lines) // pieces)
        for i in range(0, len(lines), step):
            runs += scanner.feed(b"".join(lines[i:i + step]))
    return runs, scanner


@pytest.mark.parametrize("writer", [g.date_c, g.date_us, g.date_gb])
def test_it_reads_every_date_form_in_the_backup_zone(writer):
    local = datetime(2026, 2, 23, 3, 0, 1)
    parsed = parsing.parse_date(writer(local, "EST"), NY)
    assert parsed.at == datetime(2026, 2, 23, 8, 0, 1, tzinfo=UTC)
    assert parsing.parse_date(g.date_iso(local.replace(tzinfo=NY)), NY).at == parsed.at
    assert parsing.parse_date("2026-02-23 03:00:01", NY).at == parsed.at


def test_it_reads_afternoon_times_written_with_pm():
    assert parsing.parse_date("Mon Feb 23 03:15:00 PM EST 2026", NY).at == datetime(2026, 2, 23, 20, 15, tzinfo=UTC)
    assert parsing.parse_date("Mon Feb 23 12:05:00 AM EST 2026", NY).at == datetime(2026, 2, 23, 5, 5, tzinfo=UTC)


def test_it_uses_the_abbreviation_only_for_the_repeated_hour():
    first = parsing.parse_date("Sun Nov  1 01:30:00 AM EDT 2026", NY)
    second = parsing.parse_date("Sun Nov  1 01:30:00 AM EST 2026", NY)
    assert first.at == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert second.at == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    # outside the repeated hour the zone decides, whatever the abbreviation claims
    claimed = parsing.parse_date("Mon Feb 23 03:00:01 EDT 2026", NY)
    assert claimed.at == datetime(2026, 2, 23, 8, 0, 1, tzinfo=UTC)


def test_it_flags_an_abbreviation_the_zone_never_uses_and_still_reads_local_time():
    parsed = parsing.parse_date("Mon Feb 23 03:00:01 EST 2026", BERLIN)
    assert parsed.zone_mismatch
    assert parsed.at == datetime(2026, 2, 23, 2, 0, 1, tzinfo=UTC)    # 03:00 in Berlin


def test_it_trusts_numeric_offsets():
    assert parsing.parse_date("Sun, 01 Nov 2026 01:30:00 -0500", NY).at == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert parsing.parse_date("2026-02-23T03:00:01+01:00", NY).at == datetime(2026, 2, 23, 2, 0, 1, tzinfo=UTC)
    assert parsing.parse_date("2026-02-23T03:00:01Z", NY).at == datetime(2026, 2, 23, 3, 0, 1, tzinfo=UTC)


def test_it_moves_a_time_in_the_spring_gap_forward():
    parsed = parsing.parse_date("Sun Mar  8 02:30:00 EST 2026", NY)
    assert parsed.at == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize("text", ["", "yesterday", "Feb 30 03:00:00 2026", "Mon Feb 23 25:00:00 EST 2026",
                                  "2026-13-01 00:00:00", "Mon Feb 23 13:00:00 PM EST 2026"])
def test_it_rejects_dates_it_cannot_read(text):
    assert parsing.parse_date(text, NY) is None


@pytest.mark.parametrize("text,value,binary_value", [
    ("5,124,939", 5124939, 5124939), ("5124939", 5124939, 5124939), ("5.124.939", 5124939, 5124939),
    ("101", 101, 101), ("5.12M", 5_120_000, 5_368_709), ("8.08G", 8_080_000_000, 8_675_833_938),
    ("5,12M", 5_120_000, 5_368_709), ("1.50K", 1500, 1536), ("2.00T", 2 * 10**12, 2 * 1024**4)])
def test_it_reads_rsync_numbers_in_every_form(text, value, binary_value):
    assert parsing.parse_number(text) == value
    assert parsing.parse_number(text, binary=True) == binary_value


@pytest.mark.parametrize("fmt", [g.commas, str, g.human, lambda n: g.human(n, 1024)])
@pytest.mark.parametrize("zone", [NY, BERLIN, ZoneInfo("UTC"), ZoneInfo("Australia/Sydney")])
def test_it_reads_a_whole_log_in_each_rsync_format_and_zone(fmt, zone):
    binary = fmt not in (g.commas, str, g.human)
    start = datetime(2026, 2, 23, 3, 0, 1)
    abbr = start.replace(tzinfo=zone).tzname()
    total, sent = 8_081_447_228, 24_265_611
    text = (g.section(g.date_us(start, abbr), g.date_us(start.replace(minute=6, second=39), abbr),
                      g.file_list(50) + "\n" + g.summary(sent, 101, total, fmt=fmt, stats_files=42))
            + g.section(g.date_c(start.replace(day=24), abbr), g.date_c(start.replace(day=24, minute=2), abbr),
                        g.summary(sent, 101, total, fmt=fmt) + "\nrsync warning: some files vanished before they "
                        "could be transferred (code 24) at main.c(1338) [sender=3.2.7]", failed_code=24)
            + g.section(g.date_gb(start.replace(day=25), abbr), g.date_gb(start.replace(day=25, minute=1), abbr),
                        "rsync: [sender] change_dir \"/var/lib/plex\" failed: No such file or directory (2)\n"
                        "rsync error: some files/attrs were not transferred (code 23) at main.c(1338)", failed_code=12)
            + g.section(g.date_iso(start.replace(day=26, tzinfo=zone)), g.date_iso(start.replace(day=26, minute=4, tzinfo=zone)),
                        g.summary(sent, 101, total, fmt=fmt, dry=True)))
    runs, scanner = scan(text, zone, binary, pieces=7)
    assert [r.status for r in runs] == ["success", "partial", "failed", "success"]
    first = runs[0]
    assert first.started_at == start.replace(tzinfo=zone).astimezone(UTC)
    assert first.duration_seconds == 398
    assert first.exit_code == 0 and first.files_transferred == 42
    tolerance = 0.006 if fmt not in (g.commas, str) else 0
    assert abs(first.total_size_bytes - total) <= total * tolerance
    assert abs(first.sent_bytes - sent) <= sent * tolerance and first.received_bytes == 101
    assert runs[1].exit_code == 24 and runs[1].files_transferred is None
    assert runs[2].exit_code == 12 and runs[2].total_size_bytes is None
    assert runs[3].dry_run and not runs[0].dry_run
    assert scanner.stats.zone_mismatches == 0 and scanner.stats.unparsable_dates == 0


def test_it_reports_a_section_still_being_written_as_running():
    text = g.section("Mon Feb 23 03:00:01 EST 2026", None, g.file_list(3))
    runs, scanner = scan(text)
    assert runs == []
    open_run = scanner.open_run()
    assert open_run.status == "running" and open_run.finished_at is None
    assert "poster.jpg" in open_run.excerpt


def test_it_closes_a_section_the_script_never_finished_as_failed():
    text = (g.section("Mon Feb 23 03:00:01 EST 2026", None, "copying…")
            + g.section("Tue Feb 24 03:00:01 EST 2026", "Tue Feb 24 03:05:01 EST 2026", g.summary(1, 1, 1)))
    runs, _ = scan(text)
    assert [r.status for r in runs] == ["failed", "success"]
    assert "no completion line" in runs[0].note


def test_it_keeps_a_bounded_excerpt_with_the_start_and_the_end():
    body = g.file_list(5000) + "\n" + g.summary(5, 5, 5)
    runs, _ = scan(g.section("Mon Feb 23 03:00:01 EST 2026", "Mon Feb 23 03:09:01 EST 2026", body))
    excerpt = runs[0].excerpt
    assert len(excerpt) < parsing.HEAD_BYTES + parsing.EXCERPT_TAIL + 100
    assert excerpt.startswith("Library/") and "\n[...]\n" in excerpt and excerpt.endswith("speedup is 1.00")


def test_it_resumes_from_saved_state_as_if_never_stopped():
    text = g.section("Mon Feb 23 03:00:01 EST 2026", "Mon Feb 23 03:09:01 EST 2026",
                     g.file_list(40) + "\n" + g.summary(7_000, 12, 9_000, stats_files=3))
    whole, _ = scan(text)
    cut = text.index("Number of files")
    first = parsing.LogScanner(NY)
    assert first.feed(text[:cut].encode()) == []
    second = parsing.LogScanner(NY)
    second.load(first.dump())
    [resumed] = second.feed(text[cut:].encode())
    assert resumed == whole[0]


@pytest.mark.parametrize("line,expected", [
    ("2026-02-23:success", (date(2026, 2, 23), "success")), ("2026-02-24:failed\n", (date(2026, 2, 24), "failed")),
    (" 2026-02-25 : SUCCESS ", (date(2026, 2, 25), "success")), ("2026-02-30:success", None), ("garbage", None),
    ("2026-02-23:maybe", None)])
def test_it_reads_tracking_lines(line, expected):
    assert parsing.parse_tracking_line(line) == expected


@hsettings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000))
def test_it_never_crashes_on_arbitrary_bytes(data):
    scanner = parsing.LogScanner(NY)
    for run in scanner.feed(data + b"\n"):
        assert run.status in ("success", "failed", "partial")
    scanner.open_run()
    parsing.parse_rsync(data)
    parsing.parse_number(data[:30])


marker = st.sampled_from(["=== Plex Backup Started: ", "=== Plex Backup Completed Successfully: ",
                          "=== Plex Backup FAILED with code 23: ", "sent ", "total size is ",
                          "Number of regular files transferred: "])


@hsettings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(marker, st.text(max_size=40)), max_size=30))
def test_it_never_crashes_on_marker_like_garbage(parts):
    text = "\n".join(m + t + " ===" for m, t in parts) + "\n"
    scanner = parsing.LogScanner(NY)
    for run in scanner.feed(text.encode("utf-8", "surrogatepass")):
        assert run.status in ("success", "failed", "partial")


@hsettings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_it_never_crashes_on_any_date_text(text):
    result = parsing.parse_date(text, NY)
    assert result is None or result.at.tzinfo is not None


@hsettings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=12), st.integers(0, 5))
def test_it_finds_the_same_runs_however_the_log_is_cut_and_resumed(cuts, failures):
    text = "".join(
        g.section(f"Mon Feb {d:02d} 03:00:01 EST 2026", f"Mon Feb {d:02d} 03:0{d % 9}:01 EST 2026",
                  g.file_list(d * 3) + "\n" + g.summary(d * 1000, 10, d * 10**9, stats_files=d),
                  failed_code=23 if d <= failures else None)
        for d in range(1, 9))
    data = text.encode()
    whole, _ = scan(text)
    lines = data.splitlines(keepends=True)
    runs, state, pos = [], None, 0
    for cut in cuts + [len(lines)]:
        piece = b"".join(lines[pos:pos + cut])
        pos += cut
        scanner = parsing.LogScanner(NY)       # a new poller process each time, resumed from saved state
        scanner.load(state)
        runs += scanner.feed(piece)
        state = scanner.dump()
        if pos >= len(lines):
            break
    assert runs == whole


def test_long_sections_read_in_place_give_what_the_bounded_tail_gives():
    warnings = "\n".join(f'rsync: [generator] delete_file: unlink "Cache/{i:05d}.tmp" failed: Permission denied (13)'
                         for i in range(80))        # about 7 KB after the --stats block
    text = (
        # the usual night: the whole summary in the last lines
        g.section("Mon Feb 23 03:00:01 EST 2026", "Mon Feb 23 03:09:01 EST 2026",
                  g.file_list(300) + "\n" + g.summary(7_000, 12, 9_000, stats_files=3))
        # --stats far before the end (warnings after it): the file count is still found
        + g.section("Tue Feb 24 03:00:01 EST 2026", "Tue Feb 24 03:09:01 EST 2026",
                    g.file_list(300) + "\n" + g.summary(8_000, 13, 9_100, stats_files=4) + "\n" + warnings
                    + "\n" + g.summary(8_001, 14, 9_101), failed_code=23)
        # an older rsync's count near the end does not override a newer one further back
        + g.section("Wed Feb 25 03:00:01 EST 2026", "Wed Feb 25 03:09:01 EST 2026",
                    g.file_list(300) + "\n" + g.summary(1, 1, 1, stats_files=5) + "\n" + warnings
                    + "\nNumber of files transferred: 6\n" + g.summary(9_000, 15, 9_200))
        # the script stopped: its error code is read from rsync's last error line
        + g.section("Thu Feb 26 03:00:01 EST 2026", None,
                    g.file_list(300) + "\nrsync error: some files could not be transferred (code 23) at main.c(1338)\n"
                    + warnings)
        + g.section("Fri Feb 27 03:00:01 EST 2026", "Fri Feb 27 03:09:01 EST 2026", g.summary(5, 5, 5)))
    whole, _ = scan(text)
    line_by_line, _ = scan(text, pieces=text.count("\n"))
    assert whole == line_by_line
    assert [(r.files_transferred, r.sent_bytes, r.exit_code) for r in whole] == [
        (3, 7_000, 0), (4, 8_001, 23), (5, 9_000, 0), (None, None, 23), (None, 5, 0)]
    assert whole[1].excerpt.endswith("speedup is 1.00") and "\n[...]\n" in whole[1].excerpt


@hsettings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 12, 31)),
       st.sampled_from([g.date_c, g.date_us, g.date_gb]), st.sampled_from(["EST", "EDT", "CET", "UTC"]),
       st.sampled_from(["", " ", "\t"]))
def test_a_marker_date_read_from_bytes_is_read_as_from_text(local, writer, abbr, pad):
    text = pad + writer(local.replace(microsecond=0), abbr) + pad
    for zone in (NY, BERLIN):
        assert parsing.parse_date_bytes(text.encode(), zone) == parsing.parse_date(text.strip(), zone)


@pytest.mark.parametrize("text", ["Sun Mar  8 02:30:00 AM EST 2026", "Sun Nov  1 01:30:00 AM EST 2026",
                                  "Sun Nov  1 01:30:00 AM EDT 2026", "Mon Feb 30 03:00:00 EST 2026",
                                  "Mon Feb 23 13:00:00 PM EST 2026", "Mon Feb 23 03:00:00 PM XYZ 2026"])
def test_clock_changes_and_impossible_dates_read_from_bytes_as_from_text(text):
    assert parsing.parse_date_bytes(text.encode(), NY) == parsing.parse_date(text, NY)
