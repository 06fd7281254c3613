"""Pure parsing of the backup script's files: the tracking file and the main log's sections (dates
in dates.py, rsync's output in rsync_summary.py). No I/O: callers feed bytes and get plain records back.

The log scanner works on bytes and only looks closely at marker lines and at the bounded tail of
each section (where rsync prints its summary), so it keeps up with multi-gigabyte logs in flat memory.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

# The parsers of the parts, re-exported: callers read every format through this module.
from plexportal.backups.dates import ParsedDate, localize, parse_date, parse_date_bytes  # noqa: F401
from plexportal.backups.rsync_summary import RsyncSummary, parse_number, parse_rsync, parse_rsync_end, status_for_exit  # noqa: F401

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
        """Scan data[start:end], which must end at a line boundary (bytes, bytearray or mmap)."""
        runs: list[ParsedRun] = []
        pos = body = start          # data[body:pos] is section text not yet accounted for
        end = len(data) if end is None else end
        find, mark = data.find, MARK
        while pos < end:
            # a one-byte search runs at memchr speed; fall back to the full marker when '=' is common
            i = find(b"=", pos, end)
            if i >= 0 and data[i:i + 16] != mark:
                i = find(mark, i + 1, end)
            if i < 0:
                break
            line_start = max(data.rfind(b"\n", pos, i) + 1, pos)
            line_end = find(b"\n", i, end)
            line_end = end if line_end < 0 else line_end
            m = _MARKER_RE.match(bytes(data[line_start:line_end]))     # at the start of a line only
            pos = line_end + 1
            if m is not None:
                self._marker(m, runs, data, body, line_start)
                body = pos
        self._body(data, body, end)
        return runs

    def _date(self, raw: bytes) -> datetime | None:
        parsed = parse_date_bytes(raw, self.zone)
        if parsed is None:
            self.stats.unparsable_dates += 1
            return None
        if parsed.zone_mismatch:
            self.stats.zone_mismatches += 1
            abbr = raw.decode("ascii", "replace").split()
            self.stats.abbreviations.update(t for t in abbr if t.isalpha() and t.isupper() and 2 <= len(t) <= 6
                                            and t not in ("AM", "PM"))
        return parsed.at

    def _marker(self, m, runs: list[ParsedRun], data, lo: int, hi: int) -> None:
        """A marker line; data[lo:hi] is the section text before it not yet accounted for."""
        kind = m.group(1)
        at = self._date(m.group(3))
        if kind == b"Started":
            if self.in_section:
                runs.append(self._close(None, "failed", None, data, lo, hi,
                                        note="the log has no completion line for this run (the script stopped)"))
            self.started, self.in_section, self.head, self.tail, self.length = at, True, b"", b"", 0
            return
        if kind[0] == 67:               # b"C"ompleted
            runs.append(self._close(at, "success", 0, data, lo, hi))
        else:
            code = int(m.group(2))
            runs.append(self._close(at, status_for_exit(code), code, data, lo, hi))
        self.started, self.in_section, self.head, self.tail, self.length = None, False, b"", b"", 0

    def _close(self, finished: datetime | None, status: str, code: int | None, data, lo: int, hi: int,
               note: str = "") -> ParsedRun:
        self.stats.sections += 1
        need_code = code is None and status == "failed"
        if self.length or hi - lo <= EXCERPT_TAIL:
            # begun in an earlier piece (or short): through the bounded head and tail
            self._body(data, lo, hi)
            summary = parse_rsync(self.tail, self.binary, exit_code=need_code)
            excerpt = self.excerpt()
        else:
            # the whole section lies in data[lo:hi]: read its end in place, copying only the excerpt
            summary, excerpt = self._close_in_place(data, lo, hi, need_code)
        if need_code and summary.exit_code is not None:
            code = summary.exit_code
        return ParsedRun(
            started_at=self.started if self.in_section else None, finished_at=finished, status=status,
            exit_code=code, sent_bytes=summary.sent_bytes, received_bytes=summary.received_bytes,
            total_size_bytes=summary.total_size_bytes, files_transferred=summary.files_transferred,
            dry_run=summary.dry_run, excerpt=excerpt, note=note)

    def _close_in_place(self, data, lo: int, hi: int, need_code: bool) -> tuple[RsyncSummary, str]:
        """What _body + parse_rsync + excerpt give for a section that is all of data[lo:hi] (longer
        than EXCERPT_TAIL), without copying its last TAIL_BYTES: rsync's summary is looked for in the
        excerpt's whole lines first (the last such line there is the last one in the tail too), and
        in the tail as before only when a part is missing there or an error code is needed."""
        end = bytes(data[hi - EXCERPT_TAIL:hi])
        cut = end.find(b"\n")
        summary = None if need_code or cut < 0 else parse_rsync_end(end[cut + 1:], self.binary)
        if summary is None:
            summary = parse_rsync(bytes(data[max(lo, hi - TAIL_BYTES):hi]), self.binary, exit_code=need_code)
        if hi - lo <= HEAD_BYTES + EXCERPT_TAIL:
            text = bytes(data[lo:hi])
        else:
            head = bytes(data[lo:lo + HEAD_BYTES]) if self.in_section else b""
            text = b"".join((head.rstrip(b"\n"), b"\n[...]\n", end))
        return summary, _text(text)

    def excerpt(self) -> str:
        """The whole section when short; else its first and last lines around a gap mark."""
        if self.length <= HEAD_BYTES + EXCERPT_TAIL:
            text = self.tail[-self.length:] if self.length else b""
        else:
            # An ASCII gap mark: one non-ASCII character would make Python hold the whole excerpt
            # in two bytes a character and re-encode it for the database (half the import's time
            # on a ten-year log of short nights).
            text = b"".join((self.head.rstrip(b"\n"), b"\n[...]\n", self.tail[-EXCERPT_TAIL:]))
        return _text(text)

    def open_run(self) -> ParsedRun | None:
        """The section still being written (status running), if any."""
        if not self.in_section:
            return None
        summary = parse_rsync(self.tail, self.binary)
        return ParsedRun(started_at=self.started, finished_at=None, status="running",
                         sent_bytes=summary.sent_bytes, received_bytes=summary.received_bytes,
                         total_size_bytes=summary.total_size_bytes, excerpt=self.excerpt())


def _text(raw: bytes) -> str:
    """An excerpt's bytes as text for the database."""
    if b"\x00" in raw:
        # NUL bytes (a corrupted log) become U+FFFD: PostgreSQL text cannot hold them.
        raw = raw.replace(b"\x00", b"\xef\xbf\xbd")
    return raw.decode("utf-8", "replace").strip("\n")
