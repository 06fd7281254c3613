"""Pure parsing of the backup script's files: the tracking file, `date` strings, rsync's output and
the main log's sections. No I/O: callers feed bytes and get plain records back.

The log scanner works on bytes and only looks closely at marker lines and at the bounded tail of
each section (where rsync prints its summary), so it keeps up with multi-gigabyte logs in flat memory.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

HEAD_BYTES = 1024          # kept from the start of a section for the excerpt
TAIL_BYTES = 32768         # kept from its end: rsync's errors, --stats block and summary live there
EXCERPT_TAIL = 4096        # the end of the excerpt: errors, --stats and the summary (about 40 lines)

# -- tracking file ----------------------------------------------------------------------------

_TRACK_RE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*:\s*(success|failed|failure|fail|ok)\s*$", re.IGNORECASE)


def parse_tracking_line(line: str) -> tuple[date, str] | None:
    """'2026-02-23:success' → (date, 'success'); anything else → None."""
    m = _TRACK_RE.match(line)
    if not m:
        return None
    try:
        day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
    word = m.group(4).lower()
    return day, ("success" if word in ("success", "ok") else "failed")


# -- dates --------------------------------------------------------------------------------------

MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
WEEKDAYS = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
_ISO_RE = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?(?:\s+([A-Za-z][A-Za-z0-9+-]{0,7}))?\s*$")
_DATE_RE = re.compile(r"^[A-Z][a-z]{2} ([A-Z][a-z]{2}) +(\d{1,2}) ((\d{2}):(\d{2}):(\d{2}))(?: (AM|PM))? "
                      r"([A-Z]{2,6}) (\d{4})$")
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?$")
_OFFSET_RE = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


@dataclass(frozen=True)
class ParsedDate:
    at: datetime                  # aware UTC
    zone_mismatch: bool = False   # the abbreviation named neither of the zone's names at that time


def _offset(text: str) -> timedelta | None:
    if text in ("Z", "z"):
        return timedelta(0)
    m = _OFFSET_RE.match(text)
    if not m:
        return None
    hours, minutes = int(m.group(2)), int(m.group(3))
    if hours > 23 or minutes > 59:
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return -delta if m.group(1) == "-" else delta


def localize(naive: datetime, zone: ZoneInfo, abbreviation: str | None = None) -> ParsedDate:
    """Read a wall-clock time in `zone`. The abbreviation (EST/EDT…) only picks between the two
    readings of the hour that happens twice when clocks go back; it never overrides the zone."""
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    chosen = first
    if (abbreviation and first.utcoffset() != second.utcoffset()
            and second.tzname() == abbreviation.upper() and first.tzname() != abbreviation.upper()):
        chosen = second
    mismatch = bool(abbreviation) and abbreviation.upper() not in {first.tzname(), second.tzname()}
    return ParsedDate(chosen.astimezone(UTC), mismatch)


def parse_date(text: str, zone: ZoneInfo) -> ParsedDate | None:
    """A date as `date` writes it (C and en_US forms, 12 or 24 hour, -R, ISO 8601) → UTC, or None.

    A numeric offset is exact; a zone abbreviation is only used to settle the repeated DST hour."""
    if not text or len(text) > 80 or not text.isascii():
        return None
    m = _DATE_RE.match(text)
    if m and m.group(1).lower() in MONTHS:          # the usual `date` output: the quick path
        return _from_date_output(m, zone)
    m = _ISO_RE.match(text)
    if m:
        return _from_iso(m, zone)
    fields = _DateFields()
    for token in re.split(r"[\s,]+", text.strip()):
        if token and not fields.take(token):
            return None
    return fields.to_date(zone)


def _hour24(hour: int, meridiem: str | None) -> int | None:
    """A 12-hour clock's hour on the 24-hour clock (None when it is not 1–12)."""
    if not meridiem:
        return hour
    if not 1 <= hour <= 12:
        return None
    return hour % 12 + (12 if meridiem.lower() == "pm" else 0)


def _naive(year: int, month: int, day: int, hour: int, minute: int, second: int) -> datetime | None:
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:                               # 31 February, 25 o'clock…
        return None


def _at_offset(naive: datetime, offset: timedelta | None) -> ParsedDate | None:
    return None if offset is None else ParsedDate((naive - offset).replace(tzinfo=UTC))


def _from_date_output(m: re.Match[str], zone: ZoneInfo) -> ParsedDate | None:
    month, day, _, hour, minute, second, meridiem, abbreviation, year = m.groups()
    hour24 = _hour24(int(hour), meridiem)
    if hour24 is None:
        return None
    naive = _naive(int(year), MONTHS[month.lower()], int(day), hour24, int(minute), int(second))
    if naive is None:
        return None
    steady = _steady_day(zone, naive.year, naive.month, naive.day)
    if steady is None:                               # a day when the clocks change: the careful way
        return localize(naive, zone, abbreviation)
    offset, name = steady
    return ParsedDate((naive - offset).replace(tzinfo=UTC), abbreviation.upper() != name)


_STEADY: dict[tuple, tuple[timedelta, str] | None] = {}


def _steady_day(zone: ZoneInfo, year: int, month: int, day: int) -> tuple[timedelta, str] | None:
    """The zone's offset and name for a whole day on which its clocks do not change, else None.

    A log's dates fall on a few thousand days at most, so each day is looked up once: the import
    then reads a marker's date with one subtraction instead of two zone lookups."""
    key = (zone, year, month, day)
    try:
        return _STEADY[key]
    except KeyError:
        pass
    start = datetime(year, month, day, tzinfo=zone)
    probes = [start, start.replace(fold=1), start.replace(hour=12), start.replace(hour=23, minute=59, second=59),
              start.replace(hour=23, minute=59, second=59, fold=1)]
    offsets = {p.utcoffset() for p in probes}
    names = {p.tzname() for p in probes}
    offset = offsets.pop() if len(offsets) == 1 else None
    steady = (offset, names.pop()) if offset is not None and len(names) == 1 else None
    if len(_STEADY) > 100_000:
        _STEADY.clear()
    _STEADY[key] = steady
    return steady


def _from_iso(m: re.Match[str], zone: ZoneInfo) -> ParsedDate | None:
    naive = _naive(int(m.group(1)), int(m.group(2)), int(m.group(3)), int(m.group(4)), int(m.group(5)),
                   int(m.group(6) or 0))
    if naive is None:
        return None
    if m.group(7):
        return _at_offset(naive, _offset(m.group(7)))
    return localize(naive, zone, m.group(8))


class _DateFields:
    """A free-form date read token by token ("Tue, 14 May 2024 03:00:01 +0200", "14 May 2024 3:00 PM
    CEST", …): each token fills the first field it can be, in the order of `take`."""

    def __init__(self) -> None:
        self.year: int | None = None
        self.month: int | None = None
        self.day: int | None = None
        self.clock_time: tuple[int, int, int] | None = None
        self.meridiem: str | None = None
        self.offset: timedelta | None = None
        self.abbreviation: str | None = None

    def take(self, token: str) -> bool:
        """Fill the field `token` is; False when it is none of them (the text is not a date)."""
        low = token.lower()
        for step in (self._weekday, self._month, self._year, self._day, self._time, self._meridiem,
                     self._offset, self._zone_name):
            taken = step(token, low)
            if taken is not None:
                return taken
        return False

    # Each step: None when the token is not its field, True when taken, False when it is its field
    # but unusable.
    def _weekday(self, token: str, low: str) -> bool | None:
        leading = self.month is None and self.day is None and self.clock_time is None
        is_day_name = low[:3] in WEEKDAYS and low[:3] not in MONTHS and token.isalpha()
        return True if leading and is_day_name else None

    def _month(self, token: str, low: str) -> bool | None:
        if low[:3] not in MONTHS or not token.isalpha() or self.month is not None:
            return None
        self.month = MONTHS[low[:3]]
        return True

    def _year(self, token: str, low: str) -> bool | None:
        if not (token.isdigit() and len(token) == 4) or self.year is not None:
            return None
        self.year = int(token)
        return True

    def _day(self, token: str, low: str) -> bool | None:
        if not (token.isdigit() and len(token) <= 2) or self.day is not None:
            return None
        self.day = int(token)
        return True

    def _time(self, token: str, low: str) -> bool | None:
        t = _TIME_RE.match(token)
        if t is None or self.clock_time is not None:
            return None
        self.clock_time = (int(t.group(1)), int(t.group(2)), int(t.group(3) or 0))
        return True

    def _meridiem(self, token: str, low: str) -> bool | None:
        if low not in ("am", "pm") or self.meridiem is not None:
            return None
        self.meridiem = low
        return True

    def _offset(self, token: str, low: str) -> bool | None:
        if not _OFFSET_RE.match(token) or self.offset is not None:
            return None
        self.offset = _offset(token)
        return self.offset is not None

    def _zone_name(self, token: str, low: str) -> bool | None:
        if not (token.isalpha() and len(token) <= 6) or self.abbreviation is not None or self.clock_time is None:
            return None
        self.abbreviation = token
        return True

    def to_date(self, zone: ZoneInfo) -> ParsedDate | None:
        if self.year is None or self.month is None or self.day is None or self.clock_time is None:
            return None
        hour, minute, second = self.clock_time
        hour24 = _hour24(hour, self.meridiem)
        naive = _naive(self.year, self.month, self.day, hour24, minute, second) if hour24 is not None else None
        if naive is None:
            return None
        if self.offset is not None:
            return _at_offset(naive, self.offset)
        return localize(naive, zone, self.abbreviation)


# -- rsync numbers and summaries -------------------------------------------------------------------

_NUM_RE = re.compile(rb"^([\d.,]+)([KMGTPE]?)$")
_POWERS = {b"": 0, b"K": 1, b"M": 2, b"G": 3, b"T": 4, b"P": 5, b"E": 6}


def parse_number(text: bytes | str, binary: bool = False) -> int | None:
    """rsync's numbers: '5,124,939', '5124939', '5.124.939' (locale), '5.12M', '8,08G' (locale), '101'.

    Without a unit every separator groups thousands; with one, the last separator is the decimal
    point. Units are 1000-based (one -h) unless `binary` (-hh, or rsync before 3.1)."""
    if isinstance(text, str):
        text = text.encode("ascii", "replace")
    plain = text.replace(b",", b"")
    if plain.isdigit():                      # the usual forms ('5,124,939', '5124939'): no regex
        return int(plain)
    m = _NUM_RE.match(text.strip())
    if not m or not any(c in b"0123456789" for c in m.group(1)):
        return None
    digits, unit = m.group(1), m.group(2)
    if not unit:
        plain = digits.replace(b",", b"").replace(b".", b"")
        return int(plain) if plain.isdigit() else None
    cut = max(digits.rfind(b"."), digits.rfind(b","))
    whole = digits[:cut] if cut >= 0 else digits
    frac = digits[cut + 1:] if cut >= 0 else b""
    whole = whole.replace(b",", b"").replace(b".", b"") or b"0"
    if not whole.isdigit() or (frac and not frac.isdigit()):
        return None
    value = float(whole.decode() + "." + (frac.decode() or "0"))
    return round(value * (1024 if binary else 1000) ** _POWERS[unit])


_SENT_RE = re.compile(rb"sent ([\d.,]+[KMGTPE]?) bytes\s+received ([\d.,]+[KMGTPE]?) bytes")
_TOTAL_RE = re.compile(rb"total size is ([\d.,]+[KMGTPE]?)\s+speedup is [\d.,]+(?:\s*\((DRY RUN|BATCH ONLY)\))?")
_FILES_RE = re.compile(rb"Number of (?:regular )?files transferred: ([\d.,]+)\s*$")
_CODE_RE = re.compile(rb"rsync (?:error|warning): [^\n]*\(code (\d+)\)")


def _last_line(text: bytes, prefix: bytes, pattern: re.Pattern):
    """Match `pattern` on the last line starting with `prefix` (a literal search, then one short
    match: far cheaper than a multiline regex over the whole text)."""
    end = len(text)
    while True:
        i = text.rfind(prefix, 0, end)
        if i < 0:
            return None
        if i == 0 or text[i - 1:i] == b"\n":
            line_end = text.find(b"\n", i)
            m = pattern.match(text[i:line_end if line_end >= 0 else len(text)].rstrip(b"\r"))
            if m:
                return m
        end = i


@dataclass
class RsyncSummary:
    sent_bytes: int | None = None
    received_bytes: int | None = None
    total_size_bytes: int | None = None
    files_transferred: int | None = None
    dry_run: bool = False
    exit_code: int | None = None       # from "rsync error: … (code N)" lines


def parse_rsync(text: bytes, binary: bool = False, exit_code: bool = True) -> RsyncSummary:
    """The last rsync summary in `text` (a run may hold several rsync calls; the last one is the
    main copy in the usual script). Missing parts stay None. `exit_code=False` skips the search for
    an "rsync error" line (a backward search through all of `text` when there is none), for callers
    that have the code from the script's own marker."""
    out = RsyncSummary()
    sent = _last_line(text, b"sent ", _SENT_RE)
    if sent:
        out.sent_bytes = parse_number(sent.group(1), binary)
        out.received_bytes = parse_number(sent.group(2), binary)
    total = _last_line(text, b"total size is ", _TOTAL_RE)
    if total:
        out.total_size_bytes = parse_number(total.group(1), binary)
        out.dry_run = total.group(2) is not None
    files = _last_line(text, b"Number of regular files transferred: ", _FILES_RE) or \
        _last_line(text, b"Number of files transferred: ", _FILES_RE)
    if files:
        out.files_transferred = parse_number(files.group(1))
    code = _last_code(text) if exit_code else None
    if code:
        out.exit_code = int(code.group(1)[:4])
    return out


def _last_code(text: bytes):
    end = len(text)
    while True:
        i = text.rfind(b"rsync ", 0, end)
        if i < 0:
            return None
        line_end = text.find(b"\n", i)
        m = _CODE_RE.match(text[i:line_end if line_end >= 0 else len(text)])
        if m:
            return m
        end = i


def status_for_exit(code: int | None) -> str:
    """0 → success; 23/24 (partial transfer) → partial; anything else → failed."""
    if code == 0:
        return "success"
    if code in (23, 24):
        return "partial"
    return "failed"


# -- the main log ----------------------------------------------------------------------------------

MARK = b"=== Plex Backup "
_MARKER_RE = re.compile(
    rb"[ \t]*=== Plex Backup (Started|Completed Successfully|FAILED with code (-?\d{1,6})): ?(.*?) ?===[ \t]*\r?$")


@dataclass
class ParsedRun:
    started_at: datetime | None
    finished_at: datetime | None
    status: str                      # success | failed | partial | running
    exit_code: int | None = None
    sent_bytes: int | None = None
    received_bytes: int | None = None
    total_size_bytes: int | None = None
    files_transferred: int | None = None
    dry_run: bool = False
    excerpt: str = ""
    note: str = ""

    @property
    def duration_seconds(self) -> int | None:
        if self.started_at and self.finished_at and self.finished_at >= self.started_at:
            return int((self.finished_at - self.started_at).total_seconds())
        return None


@dataclass
class ScanStats:
    sections: int = 0
    unparsable_dates: int = 0
    zone_mismatches: int = 0
    abbreviations: set = field(default_factory=set)


class LogScanner:
    """Feed the log in pieces that end at line boundaries; get finished runs back.

    State between feeds is small (a bounded head and tail of the open section) and can be saved
    with `dump()` and restored with `load()`, so the poller resumes without re-reading."""

    def __init__(self, zone: ZoneInfo, binary_units: bool = False):
        self.zone = zone
        self.binary = binary_units
        self.started: datetime | None = None
        self.in_section = False
        self.head = b""
        self.tail = b""
        self.length = 0
        self.stats = ScanStats()

    # state for the poller
    def dump(self) -> dict:
        return {"started": self.started.isoformat() if self.started else None, "in_section": self.in_section,
                "head": self.head.decode("latin-1"), "tail": self.tail.decode("latin-1"), "length": self.length}

    def load(self, state: dict | None) -> None:
        if not state:
            return
        self.started = datetime.fromisoformat(state["started"]) if state.get("started") else None
        self.in_section = bool(state.get("in_section"))
        self.head = state.get("head", "").encode("latin-1")[:HEAD_BYTES]
        self.tail = state.get("tail", "").encode("latin-1")[-TAIL_BYTES:]
        self.length = int(state.get("length") or 0)

    def _body(self, data, start: int, end: int) -> None:
        """Account for data[start:end] without copying more than the bounded head and tail."""
        if end <= start:
            return
        self.length += end - start
        if self.in_section and len(self.head) < HEAD_BYTES:
            self.head += bytes(data[start:min(end, start + HEAD_BYTES - len(self.head))])
        if end - start >= TAIL_BYTES:
            self.tail = bytes(data[end - TAIL_BYTES:end])
        else:
            self.tail = (self.tail + bytes(data[start:end]))[-TAIL_BYTES:]

    def feed(self, data, start: int = 0, end: int | None = None) -> list[ParsedRun]:
        """Scan data[start:end], which must end at a line boundary (bytes or bytearray)."""
        runs: list[ParsedRun] = []
        pos = start
        end = len(data) if end is None else end
        while pos < end:
            # a one-byte search runs at memchr speed; fall back to the full marker when '=' is common
            i = data.find(b"=", pos, end)
            if i >= 0 and data[i:i + len(MARK)] != MARK:
                i = data.find(MARK, i + 1, end)
            if i < 0:
                self._body(data, pos, end)
                break
            line_start = data.rfind(b"\n", pos, i) + 1
            line_start = max(line_start, pos)
            line_end = data.find(b"\n", i, end)
            line_end = end if line_end < 0 else line_end
            m = _MARKER_RE.match(bytes(data[line_start:line_end]))     # at the start of a line only
            if m is None:
                self._body(data, pos, min(line_end + 1, end))
                pos = line_end + 1
                continue
            self._body(data, pos, line_start)
            self._marker(m, runs)
            pos = line_end + 1
        return runs

    def _date(self, raw: bytes) -> datetime | None:
        parsed = parse_date(raw.decode("ascii", "replace").strip(), self.zone)
        if parsed is None:
            self.stats.unparsable_dates += 1
            return None
        if parsed.zone_mismatch:
            self.stats.zone_mismatches += 1
            abbr = raw.decode("ascii", "replace").split()
            self.stats.abbreviations.update(t for t in abbr if t.isalpha() and t.isupper() and 2 <= len(t) <= 6
                                            and t not in ("AM", "PM"))
        return parsed.at

    def _marker(self, m, runs: list[ParsedRun]) -> None:
        kind = m.group(1)
        at = self._date(m.group(3))
        if kind == b"Started":
            if self.in_section:
                runs.append(self._close(None, "failed", None,
                                        note="the log has no completion line for this run (the script stopped)"))
            self.started, self.in_section, self.head, self.tail, self.length = at, True, b"", b"", 0
            return
        if kind.startswith(b"Completed"):
            runs.append(self._close(at, "success", 0))
        else:
            code = int(m.group(2))
            runs.append(self._close(at, status_for_exit(code), code))
        self.started, self.in_section, self.head, self.tail, self.length = None, False, b"", b"", 0

    def _close(self, finished: datetime | None, status: str, code: int | None, note: str = "") -> ParsedRun:
        self.stats.sections += 1
        summary = parse_rsync(self.tail, self.binary, exit_code=code is None and status == "failed")
        if code is None and status == "failed" and summary.exit_code is not None:
            code = summary.exit_code
        return ParsedRun(
            started_at=self.started if self.in_section else None, finished_at=finished, status=status,
            exit_code=code, sent_bytes=summary.sent_bytes, received_bytes=summary.received_bytes,
            total_size_bytes=summary.total_size_bytes, files_transferred=summary.files_transferred,
            dry_run=summary.dry_run, excerpt=self.excerpt(), note=note)

    def excerpt(self) -> str:
        """The whole section when short; else its first and last lines around a gap mark."""
        if self.length <= HEAD_BYTES + EXCERPT_TAIL:
            text = self.tail[-self.length:] if self.length else b""
        else:
            # An ASCII gap mark: one non-ASCII character would make Python hold the whole excerpt
            # in two bytes a character and re-encode it for the database (half the import's time
            # on a ten-year log of short nights).
            text = b"".join((self.head.rstrip(b"\n"), b"\n[...]\n", self.tail[-EXCERPT_TAIL:]))
        if b"\x00" in text:
            # NUL bytes (a corrupted log) become U+FFFD: PostgreSQL text cannot hold them.
            text = text.replace(b"\x00", b"\xef\xbf\xbd")
        return text.decode("utf-8", "replace").strip("\n")

    def open_run(self) -> ParsedRun | None:
        """The section still being written (status running), if any."""
        if not self.in_section:
            return None
        summary = parse_rsync(self.tail, self.binary)
        return ParsedRun(started_at=self.started, finished_at=None, status="running",
                         sent_bytes=summary.sent_bytes, received_bytes=summary.received_bytes,
                         total_size_bytes=summary.total_size_bytes, excerpt=self.excerpt())
