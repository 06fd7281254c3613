"""rsync's numbers and its end-of-run summary (-v, --stats, the three number formats). Pure: no I/O."""
from __future__ import annotations

import re
from dataclasses import dataclass

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


def parse_rsync_end(text: bytes, binary: bool = False) -> RsyncSummary | None:
    """parse_rsync(tail, exit_code=False) read from `text`, the whole lines at the end of `tail`
    (text must start at a line start), when every part is found there: the last line of a kind in
    `text` is the last one in `tail` too. None when a part is missing (or rsync's --stats name the
    files the old way, which a newer line further back would take precedence over)."""
    sent = _last_line(text, b"sent ", _SENT_RE)
    if sent is None:
        return None
    total = _last_line(text, b"total size is ", _TOTAL_RE)
    if total is None:
        return None
    files = _last_line(text, b"Number of regular files transferred: ", _FILES_RE)
    if files is None:
        return None
    return RsyncSummary(sent_bytes=parse_number(sent.group(1), binary),
                        received_bytes=parse_number(sent.group(2), binary),
                        total_size_bytes=parse_number(total.group(1), binary), dry_run=total.group(2) is not None,
                        files_transferred=parse_number(files.group(1)))


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
