"""Sonarr, Radarr and Seerr webhook bodies → one plain shape. Pure: no I/O, no database.

`parse(source, raw)` returns a `Parsed` or raises `ParseError` with a short reason; any other
exception is a bug (the property tests feed it arbitrary bytes). Wire formats:
../shared/reference/webhooks.md §1–3.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

MAX_BYTES = 1_000_000

# Kinds the rest of the app acts on.
IMPORT = "import"                 # Sonarr/Radarr Download (one file, or Sonarr's Import Complete)
GRAB = "grab"
TEST = "test"
MANUAL = "manual_interaction"
REQUEST = "request"               # Seerr MEDIA_*
ISSUE = "issue"                   # Seerr ISSUE_*
OTHER = "other"                   # recorded, not acted on

SEERR_STATUS = {
    "MEDIA_PENDING": "pending",
    "MEDIA_APPROVED": "approved",
    "MEDIA_AUTO_APPROVED": "approved",
    "MEDIA_AVAILABLE": "available",
    "MEDIA_DECLINED": "declined",
    "MEDIA_FAILED": "failed",
}


class ParseError(ValueError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Episode:
    season: int
    episode: int
    title: str = ""


@dataclass
class SeerrRequest:
    request_id: int | None
    email: str
    username: str
    avatar: str
    status: str                   # our request status (pending, approved, …)
    seasons: list[int] = field(default_factory=list)


@dataclass
class Parsed:
    source: str
    event_type: str               # as sent: "Download", "MEDIA_AVAILABLE", …
    kind: str
    media_type: str | None = None  # tv | movie
    title: str = ""
    year: int | None = None
    tmdb_id: int | None = None
    tvdb_id: int | None = None
    imdb_id: str | None = None
    poster_url: str = ""
    overview: str = ""
    episodes: list[Episode] = field(default_factory=list)
    is_upgrade: bool = False
    import_complete: bool = False
    download_id: str = ""
    arr_id: int | None = None      # Sonarr series id / Radarr movie id
    instance: str = ""
    request: SeerrRequest | None = None
    data: dict = field(default_factory=dict)

    @property
    def has_ids(self) -> bool:
        return bool(self.tmdb_id or self.tvdb_id or self.imdb_id)


# -- tolerant field readers -------------------------------------------------------------------

def _obj(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _str(value, limit: int = 500) -> str:
    if isinstance(value, str):
        return value[:limit]
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)[:limit]
    return ""


def _id(value) -> int | None:
    """A positive id from an int or a digit string ("550123"); 0, "" and junk mean none."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 2**63 else None
    if isinstance(value, float) and value.is_integer():
        return _id(int(value))
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 19:
        return _id(int(value.strip()))
    return None


def _number(value) -> int | None:
    """A season or episode number (0 is a real season: specials)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 0 <= value < 100_000:
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 6:
        return int(value.strip())
    return None


def _imdb(value) -> str | None:
    text = _str(value, 32).strip()
    return text if re.fullmatch(r"tt\d{5,12}", text) else None


def _year(value) -> int | None:
    y = _id(value)
    return y if y and 1870 <= y <= 2200 else None


def _poster(images) -> str:
    for image in _list(images):
        image = _obj(image)
        if image.get("coverType") == "poster":
            url = _str(image.get("remoteUrl"))
            if url.startswith(("https://", "http://")):
                return url
    return ""


# -- entry point --------------------------------------------------------------------------------

def load(raw: bytes | str) -> dict:
    """The JSON object in a webhook body, or ParseError with a reason a person can act on."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    if len(raw) > MAX_BYTES:
        raise ParseError("body too large")
    if not raw.strip():
        raise ParseError("empty body")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise ParseError("body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ParseError("body is JSON but not an object")
    return data


def event_type_of(source: str, data: dict) -> str:
    key = "notification_type" if source == "seerr" else "eventType"
    return _str(data.get(key), 64)


def parse(source: str, raw: bytes | str | dict) -> Parsed:
    data = raw if isinstance(raw, dict) else load(raw)
    if source == "sonarr":
        return _sonarr(data)
    if source == "radarr":
        return _radarr(data)
    if source == "seerr":
        return _seerr(data)
    raise ParseError(f"unknown source {source!r}")


# -- Sonarr (v3 and v4) -------------------------------------------------------------------------

def _episodes(data: dict) -> list[Episode]:
    seen, out = set(), []
    for ep in _list(data.get("episodes")):
        ep = _obj(ep)
        season, number = _number(ep.get("seasonNumber")), _number(ep.get("episodeNumber"))
        if season is None or number is None or (season, number) in seen:
            continue
        seen.add((season, number))
        out.append(Episode(season, number, _str(ep.get("title"), 300)))
    return sorted(out, key=lambda e: (e.season, e.episode))


def _sonarr(data: dict) -> Parsed:
    event_type = event_type_of("sonarr", data)
    if not event_type:
        raise ParseError("no eventType: is this a Sonarr webhook?")
    series = _obj(data.get("series"))
    parsed = Parsed(source="sonarr", event_type=event_type, kind=OTHER, media_type="tv" if series else None,
                    title=_str(series.get("title"), 300), year=_year(series.get("year")),
                    tmdb_id=_id(series.get("tmdbId")), tvdb_id=_id(series.get("tvdbId")),
                    imdb_id=_imdb(series.get("imdbId")), poster_url=_poster(series.get("images")),
                    overview=_str(series.get("overview"), 2000), episodes=_episodes(data),
                    download_id=_str(data.get("downloadId"), 200), arr_id=_id(series.get("id")),
                    instance=_str(data.get("instanceName"), 100), data=data)
    if event_type == "Download":
        # Import Complete has the same eventType and a different shape (reference §1.1).
        parsed.import_complete = "episodeFiles" in data or "fileCount" in data
        if not parsed.import_complete and "episodeFile" not in data:
            raise ParseError("Download without episodeFile or episodeFiles")
        parsed.kind = IMPORT
        parsed.is_upgrade = data.get("isUpgrade") is True
        if not parsed.episodes:
            raise ParseError("Download without episodes")
        if not (parsed.tvdb_id or parsed.tmdb_id or parsed.imdb_id):
            raise ParseError("Download without series ids")
    elif event_type == "Grab":
        parsed.kind = GRAB
    elif event_type == "Test":
        parsed.kind = TEST
    elif event_type == "ManualInteractionRequired":
        parsed.kind = MANUAL
    return parsed


# -- Radarr (v4 and v5) -------------------------------------------------------------------------

def _radarr(data: dict) -> Parsed:
    event_type = event_type_of("radarr", data)
    if not event_type:
        raise ParseError("no eventType: is this a Radarr webhook?")
    movie = _obj(data.get("movie"))
    remote = _obj(data.get("remoteMovie"))
    parsed = Parsed(source="radarr", event_type=event_type, kind=OTHER, media_type="movie" if movie else None,
                    title=_str(movie.get("title") or remote.get("title"), 300),
                    year=_year(movie.get("year")) or _year(remote.get("year")),
                    tmdb_id=_id(movie.get("tmdbId")) or _id(remote.get("tmdbId")),
                    imdb_id=_imdb(movie.get("imdbId")) or _imdb(remote.get("imdbId")),
                    poster_url=_poster(movie.get("images")), overview=_str(movie.get("overview"), 2000),
                    download_id=_str(data.get("downloadId"), 200), arr_id=_id(movie.get("id")),
                    instance=_str(data.get("instanceName"), 100), data=data)
    if event_type == "Download":
        if "movieFile" not in data:
            raise ParseError("Download without movieFile")
        if not movie:
            raise ParseError("Download without movie")
        if not (parsed.tmdb_id or parsed.imdb_id):
            raise ParseError("Download without movie ids")
        parsed.kind = IMPORT
        parsed.is_upgrade = data.get("isUpgrade") is True
    elif event_type == "Grab":
        parsed.kind = GRAB
    elif event_type == "Test":
        parsed.kind = TEST
    elif event_type == "ManualInteractionRequired":
        parsed.kind = MANUAL
    return parsed


# -- Seerr / Overseerr / Jellyseerr -------------------------------------------------------------

_SUBJECT = re.compile(r"^(?P<title>.*?)\s*\((?P<year>\d{4})\)\s*$", re.DOTALL)


def _seasons(extra) -> list[int]:
    for item in _list(extra):
        item = _obj(item)
        if _str(item.get("name")) == "Requested Seasons":
            numbers = {_number(part) for part in _str(item.get("value"), 1000).split(",")}
            return sorted(n for n in numbers if n is not None)
    return []


def _seerr(data: dict) -> Parsed:
    event_type = event_type_of("seerr", data)
    if not event_type:
        raise ParseError("no notification_type: is this a Seerr webhook with the default JSON payload?")
    media = _obj(data.get("media"))
    subject = _str(data.get("subject"), 400)
    m = _SUBJECT.match(subject)
    title, year = (m.group("title"), _year(m.group("year"))) if m else (subject, None)
    media_type = _str(media.get("media_type"), 8)
    image = _str(data.get("image"))
    parsed = Parsed(source="seerr", event_type=event_type, kind=OTHER,
                    media_type=media_type if media_type in ("tv", "movie") else None,
                    title=title[:300], year=year, tmdb_id=_id(media.get("tmdbId")), tvdb_id=_id(media.get("tvdbId")),
                    poster_url=image if image.startswith(("https://", "http://")) else "",
                    overview=_str(data.get("message"), 2000), data=data)
    if event_type == "TEST_NOTIFICATION":
        parsed.kind = TEST
    elif event_type.startswith("ISSUE_"):
        parsed.kind = ISSUE
    elif event_type in SEERR_STATUS:
        parsed.kind = REQUEST
        request = _obj(data.get("request"))
        if not parsed.media_type or not parsed.tmdb_id:
            raise ParseError(f"{event_type} without media type or tmdbId")
        if not request:
            raise ParseError(f"{event_type} without a request object")
        parsed.request = SeerrRequest(
            request_id=_id(request.get("request_id")),
            email=_str(request.get("requestedBy_email"), 254).strip().lower(),
            username=_str(request.get("requestedBy_username"), 150).strip(),
            avatar=_str(request.get("requestedBy_avatar")),
            status=SEERR_STATUS[event_type], seasons=_seasons(data.get("extra")))
        if parsed.request.request_id is None:
            raise ParseError(f"{event_type} without request_id")
    return parsed


def mask_secrets(data, _depth: int = 0):
    """A copy for display with tokens and keys blanked (the inbox shows raw payloads)."""
    if _depth > 50:
        return "…"
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            lowered = str(key).lower()
            if any(word in lowered for word in ("token", "apikey", "api_key", "password", "secret", "authorization")):
                out[key] = "••••••••" if value not in (None, "") else value
            else:
                out[key] = mask_secrets(value, _depth + 1)
        return out
    if isinstance(data, list):
        return [mask_secrets(v, _depth + 1) for v in data]
    if isinstance(data, str):
        return re.sub(r"(?i)([?&](?:apikey|api_key|token|x-plex-token)=)[^&\s\"]+", r"\1••••••••", data)
    return data
