"""Dates as the backup script's `date` writes them (C and en_US forms, 12 or 24 hour, -R, ISO 8601),
read in the backup's zone. Pure: no I/O."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

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


class ParsedDate(NamedTuple):     # a tuple: made twice a night on a long log's import
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
    upper = abbreviation.upper() if abbreviation else ""
    chosen = first
    if upper and first.utcoffset() != second.utcoffset() and second.tzname() == upper and first.tzname() != upper:
        chosen = second
    mismatch = bool(upper) and upper not in {first.tzname(), second.tzname()}
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


_DATE_BYTES_RE = re.compile(rb"[A-Z][a-z]{2} ([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?: (AM|PM))? "
                            rb"([A-Z]{2,6}) (\d{4})")
_MONTHS_BYTES = {name.capitalize().encode(): number for name, number in MONTHS.items()}


def parse_date_bytes(raw: bytes, zone: ZoneInfo) -> ParsedDate | None:
    """parse_date(raw as ASCII, stripped), reading the usual `date` output straight from the bytes
    of a log line: the scanner's path, twice a night (no decoding, no intermediate naive time)."""
    m = _DATE_BYTES_RE.fullmatch(raw)
    month = _MONTHS_BYTES.get(m[1]) if m is not None else None
    if m is None or month is None:
        return parse_date(raw.decode("ascii", "replace").strip(), zone)
    _, day, hour, minute, second, meridiem, abbreviation, year = m.groups()
    hour24 = int(hour)
    if meridiem is not None:
        if not 1 <= hour24 <= 12:
            return None
        hour24 = hour24 % 12 + (12 if meridiem == b"PM" else 0)
    try:
        at = datetime(int(year), month, int(day), hour24, int(minute), int(second), tzinfo=UTC)
    except ValueError:                               # 31 February, 25 o'clock…
        return None
    steady = _steady_day(zone, at.year, month, at.day)
    if steady is None:                               # a day when the clocks change: the careful way
        return localize(at.replace(tzinfo=None), zone, abbreviation.decode())
    offset, name = steady
    return ParsedDate(at - offset, abbreviation.decode() != name)


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
    # The zone asked about wall-clock times directly (what an aware time's utcoffset() asks it).
    probes = (datetime(year, month, day), datetime(year, month, day, fold=1), datetime(year, month, day, 12),
              datetime(year, month, day, 23, 59, 59), datetime(year, month, day, 23, 59, 59, fold=1))
    offsets = {zone.utcoffset(p) for p in probes}
    names = {zone.tzname(p) for p in probes}
    offset = offsets.pop() if len(offsets) == 1 else None
    name = names.pop() if len(names) == 1 else None
    steady = (offset, name) if offset is not None and name is not None else None
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
