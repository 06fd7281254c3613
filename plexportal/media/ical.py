"""iCalendar (RFC 5545) text for a list of calendar entries: CRLF lines folded at 75 octets, TEXT
values escaped (backslash, semicolon, comma, newline), UTC date-times, all-day dates. Pure."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta


def escape_text(value: str) -> str:
    return (str(value).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """Split a content line into 75-octet pieces (never inside a UTF-8 character)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts, current, limit = [], b"", 75
    for ch in line:
        b = ch.encode("utf-8")
        if len(current) + len(b) > limit:
            parts.append(current.decode("utf-8"))
            current, limit = b"", 74            # continuation lines start with a space
        current += b
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def _utc(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def render(entries, *, name: str, stamp: datetime, domain: str = "plexportal") -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//plexportal//Upcoming//EN", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text(name)}", "X-PUBLISHED-TTL:PT1H"]
    for e in entries:
        lines += ["BEGIN:VEVENT", f"UID:{escape_text(e.key)}@{domain}", f"DTSTAMP:{_utc(stamp)}"]
        if e.all_day:
            day = e.starts_at.date()
            lines += [f"DTSTART;VALUE=DATE:{day:%Y%m%d}", f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}"]
        else:
            lines += [f"DTSTART:{_utc(e.starts_at)}", f"DTEND:{_utc(e.starts_at + timedelta(minutes=e.minutes or 30))}"]
        summary = f"{e.title} {e.detail}".strip() if e.media_type == "tv" else f"{e.title} ({e.detail})"
        lines += [f"SUMMARY:{escape_text(summary)}", "TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
