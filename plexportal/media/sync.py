"""Seerr sync (every user and request, page by page, with progress) and requests on behalf of a user."""
from __future__ import annotations

import logging
import re

from plexportal.gateways import seerr
from plexportal.gateways.base import GatewayError
from plexportal.lib import clock
from plexportal.media import matching
from plexportal.media.models import MediaRequest, SyncRun

log = logging.getLogger(__name__)

# Seerr's REST enums are numbers (reference §3.4).
REQUEST_STATUS = {1: "pending", 2: "approved", 3: "declined", 4: "failed", 5: "available"}
MEDIA_AVAILABLE = 5
POSTER = "https://image.tmdb.org/t/p/w600_and_h900_bestv2"
_URL = re.compile(r"/(?P<type>movie|tv)/(?P<id>\d{1,10})(?:[/?#]|$)")
_PICK = re.compile(r"(?P<type>movie|tv):(?P<id>\d{1,10})")
# The title search runs while the admin types: answer (or give up) within seconds, never retry.
SEARCH_TIMEOUT = (3.0, 10.0)
SEARCH_LIMIT = 10


def start_sync() -> SyncRun:
    running = SyncRun.select().where(SyncRun.status == "running").order_by(SyncRun.id.desc()).first()
    if running is not None and (clock.now() - running.started_at).total_seconds() < 600:
        return running                    # one at a time; a run older than 10 min died with its worker
    run = SyncRun.create(started_at=clock.now(), message="Starting…")
    from plexportal.media.tasks import sync_seerr_task

    sync_seerr_task(run.id)
    return run


def _progress(run_id: int, **fields) -> None:
    SyncRun.update(**fields).where(SyncRun.id == run_id).execute()


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def details_fields(client: seerr.SeerrClient, media_type: str, tmdb_id: int, cache: dict) -> dict:
    key = (media_type, tmdb_id)
    if key not in cache:
        try:
            d = client.details(media_type, tmdb_id)
        except GatewayError as err:
            log.info("Seerr details for %s %s: %s", media_type, tmdb_id, err.message)
            d = {}
        date = str(d.get("releaseDate") or d.get("firstAirDate") or "")
        ext = d.get("externalIds") if isinstance(d.get("externalIds"), dict) else {}
        poster = d.get("posterPath") if isinstance(d.get("posterPath"), str) else ""
        cache[key] = {"title": str(d.get("title") or d.get("name") or "")[:300],
                      "year": int(date[:4]) if date[:4].isdigit() else None,
                      "poster_url": POSTER + poster if poster.startswith("/") else "",
                      "overview": str(d.get("overview") or "")[:2000],
                      "imdb_id": ext.get("imdbId") if isinstance(ext.get("imdbId"), str) else None,
                      "tvdb_id": _int(ext.get("tvdbId"))}
    return cache[key]


def user_from_seerr(u: dict):
    if not isinstance(u, dict) or not _int(u.get("id")):
        return None
    return matching.find_or_create_user(email=str(u.get("email") or ""), seerr_user_id=u["id"],
                                        username=str(u.get("displayName") or u.get("username") or u.get("plexUsername") or ""),
                                        plex_user_id=_int(u.get("plexId")), avatar=str(u.get("avatar") or ""))


def save_request(client: seerr.SeerrClient, r: dict, cache: dict, origin: str = "sync") -> MediaRequest | None:
    media = r.get("media") if isinstance(r.get("media"), dict) else {}
    media_type = r.get("type") or media.get("mediaType")
    tmdb_id = _int(media.get("tmdbId"))
    if media_type not in ("tv", "movie") or not tmdb_id or not _int(r.get("id")):
        return None
    status = REQUEST_STATUS.get(r.get("status"), "pending")
    if media.get("status") == MEDIA_AVAILABLE and status != "declined":
        status = "available"
    extra = details_fields(client, media_type, tmdb_id, cache)
    seasons = sorted({s.get("seasonNumber") for s in r.get("seasons") or []
                      if isinstance(s, dict) and isinstance(s.get("seasonNumber"), int)})
    return matching.upsert_request(
        seerr_request_id=r["id"], media_type=media_type, status=status, user=user_from_seerr(r.get("requestedBy")),
        tmdb_id=tmdb_id, tvdb_id=_int(media.get("tvdbId")) or extra["tvdb_id"],
        imdb_id=media.get("imdbId") if isinstance(media.get("imdbId"), str) else extra["imdb_id"],
        title=extra["title"], year=extra["year"], poster_url=extra["poster_url"], overview=extra["overview"],
        seasons=seasons, is_4k=bool(r.get("is4k")), origin=origin)


def run_sync(run_id: int) -> dict:
    counts = {"users": 0, "requests": 0}
    try:
        client = seerr.client()
        _progress(run_id, message="Reading users…")
        for u in client.users(on_page=lambda done, total: _progress(run_id, done=done, total=total)):
            if user_from_seerr(u) is not None:
                counts["users"] += 1
        _progress(run_id, message="Reading requests…", done=0, total=0)
        cache: dict = {}
        for r in client.requests(on_page=lambda done, total: _progress(run_id, total=total)):
            if save_request(client, r, cache) is not None:
                counts["requests"] += 1
            _progress(run_id, done=counts["requests"])
        announced = matching.match_pending_arrivals()
    except GatewayError as err:
        _progress(run_id, status="failed", message=f"Sync stopped: {err.message}", finished_at=clock.now())
        return counts
    extra = f", {announced} waiting item(s) announced" if announced else ""
    _progress(run_id, status="done", finished_at=clock.now(),
              message=f"Synced {counts['users']} users and {counts['requests']} requests{extra}.")
    return counts


def parse_title(text: str, media_type: str = "") -> tuple[str, int] | None:
    """A Seerr page URL (…/movie/550123, …/tv/98765) or a bare TMDB id with a chosen type."""
    text = (text or "").strip()
    m = _URL.search(text)
    if m:
        return m.group("type"), int(m.group("id"))
    if text.isdigit() and len(text) < 11 and media_type in ("tv", "movie") and int(text) > 0:
        return media_type, int(text)
    return None


def parse_pick(value: str) -> tuple[str, int] | None:
    """A title picked from the search results: "movie:550123" or "tv:98765"."""
    m = _PICK.fullmatch((value or "").strip())
    return (m.group("type"), int(m.group("id"))) if m and int(m.group("id")) > 0 else None


def search_titles(query: str, limit: int = SEARCH_LIMIT) -> list[dict]:
    """Films and series in Seerr matching `query` (the first `limit`). Raises GatewayError."""
    client = seerr.client(timeout=SEARCH_TIMEOUT, retries=0)
    return client.search(query)[:limit]


def request_on_behalf(user, media_type: str, tmdb_id: int) -> MediaRequest:
    """Create the request in Seerr as `user` and mirror it here. Raises GatewayError or ValueError."""
    if not user.seerr_user_id:
        raise ValueError(f"{user.name} has no Seerr account linked yet: run a Seerr sync first.")
    client = seerr.client()
    created = client.create_request(media_type, tmdb_id, as_user=user.seerr_user_id)
    created.setdefault("type", media_type)
    if not isinstance(created.get("media"), dict):
        created["media"] = {"tmdbId": tmdb_id, "mediaType": media_type}
    created["media"].setdefault("tmdbId", tmdb_id)
    created.setdefault("requestedBy", {"id": user.seerr_user_id})
    req = save_request(client, created, {}, origin="on_behalf")
    if req is None:
        raise GatewayError("Seerr's answer did not describe the new request.")
    if req.requested_by_id is None:
        matching.add_follower(req, user, role="requester")
    return req
