"""Taking secrets out of request lines before they are logged.

Some addresses carry a secret: the webhook `?token=`, a backup ping token, a person's page and
unsubscribe links, iCal feeds. An access log (gunicorn's, or a proxy's) would keep them for anyone
who can read it. `request_target()` keeps the shape of the address and drops the secret:
`/notify/u/[redacted]/channels?token=[redacted]`. Used by gunicorn.conf.py's access log and by the app's own log
lines that name a path.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

MARK = "[redacted]"
# Path segments that are secrets, by the route they belong to. A new route with a token in its
# path is added here (tests/security/test_access_log.py walks the URL map for <token> rules).
TOKEN_PATHS = [
    re.compile(r"^(/backups/ping/)[^/?]+"),
    re.compile(r"^(/notify/u/)[^/?]+"),
    re.compile(r"^(/notify/unsubscribe/)[^/?]+"),
    re.compile(r"^(/monitors/ical/)[^/?]+?(?=\.ics(?:$|\?)|$|\?)"),
]


def path(value: str) -> str:
    for pattern in TOKEN_PATHS:
        value = pattern.sub(lambda m: m.group(1) + MARK, value, count=1)
    return value


def query(value: str) -> str:
    """Every value of a query string dropped, names kept: `token=[redacted]&page=[redacted]`."""
    if not value:
        return value
    parts = []
    for item in value.split("&"):
        name, sep, _ = item.partition("=")
        parts.append(f"{name[:40]}={MARK}" if sep else item[:40])
    return "&".join(parts)


def request_target(target: str) -> str:
    """A request target (path and query, as in a request line) without its secrets."""
    target = target or ""
    head, sep, tail = target.partition("?")
    return path(head) + (sep + query(tail) if sep else "")


def url(value: str) -> str:
    """A whole URL (a Referer) without the secrets of its path and query."""
    if not value or value == "-":
        return value
    try:
        parts = urlsplit(value)
    except ValueError:
        return MARK
    if not parts.scheme:
        return request_target(value)
    return f"{parts.scheme}://{parts.netloc}{request_target(parts.path + ('?' + parts.query if parts.query else ''))}"


def request_line(line: str) -> str:
    """`GET /path?query HTTP/1.1` with the target redacted."""
    pieces = (line or "").split(" ")
    if len(pieces) == 3:
        return f"{pieces[0]} {request_target(pieces[1])} {pieces[2]}"
    return request_target(line or "")


SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-plex-token",
                  "x-csrftoken", "x-csrf-token", "x-emby-token"}
URL_HEADERS = {"referer", "location", "hx-current-url", "hx-redirect"}


def header(name: str, value: str | None) -> str | None:
    """A header (or WSGI environ variable) as it may be logged."""
    name = str(name).lower().replace("_", "-")
    name = name.removeprefix("http-")
    if value is None:
        return value
    if name in SECRET_HEADERS:
        return MARK
    if name in URL_HEADERS:
        return url(str(value))
    if name in ("raw-uri", "request-uri", "path-info"):
        return request_target(str(value))
    if name == "query-string":
        return query(str(value))
    return value
