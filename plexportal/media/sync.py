"""Seerr sync (every user and request, page by page, with progress) and requests on behalf of a user."""
from __future__ import annotations

import dataclasses
import logging
import re

from plexportal import areas
from plexportal.gateways import seerr
from plexportal.gateways.base import GatewayError
from plexportal.lib import clock
from plexportal.media import matching
from plexportal.media.models import MediaRequest, SyncRun

log = logging.getLogger(__name__)

# A Seerr request's status as a MediaRequest's; Seerr 3.x calls an available request "completed".
STATUS = {"pending": "pending", "approved": "approved", "declined": "declined", "failed": "failed",
          "completed": "available"}
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
    areas.task("plexportal.media.tasks.sync_seerr_task")(run.id)
    return run


def _progress(run_id: int, **fields) -> None:
    SyncRun.update(**fields).where(SyncRun.id == run_id).execute()


def details_fields(client: seerr.SeerrClient, media_type: str, tmdb_id: int, cache: dict) -> seerr.TitleDetails:
    key = (media_type, tmdb_id)
    if key not in cache:
        try:
            cache[key] = client.details(media_type, tmdb_id)
        except GatewayError as err:
            log.info("Seerr details for %s %s: %s", media_type, tmdb_id, err.message)
            cache[key] = seerr.TitleDetails()
    return cache[key]


def user_from_seerr(u: seerr.SeerrUser | None):
    if u is None or u.id is None:
        return None
    return matching.find_or_create_user(email=u.email, seerr_user_id=u.id, username=u.display_name,
                                        plex_user_id=u.plex_id, avatar=u.avatar, jellyfin_user_id=u.jellyfin_id)


def sync_people() -> int | None:
    """Read Seerr's user list and find or create each person (None when Seerr is not connected)."""
    from plexportal.settings import service as settings

    if not (settings.get("SEERR_URL") and settings.get("SEERR_API_KEY")):
        return None
    try:
        return sum(user_from_seerr(u) is not None for u in seerr.client().users())
    except GatewayError as err:
        log.warning("could not read Seerr's users: %s", err.message)
        return None


def save_request(client: seerr.SeerrClient, r: seerr.SeerrRequest, cache: dict,
                 origin: str = "sync") -> MediaRequest | None:
    if r.media_type not in ("tv", "movie") or not r.tmdb_id or not r.id:
        return None
    status = STATUS.get(r.status, "pending")
    if r.media_status == "available" and status != "declined":
        status = "available"
    extra = details_fields(client, r.media_type, r.tmdb_id, cache)
    return matching.upsert_request(
        seerr_request_id=r.id, media_type=r.media_type, status=status, user=user_from_seerr(r.requested_by),
        tmdb_id=r.tmdb_id, tvdb_id=r.tvdb_id or extra.tvdb_id, imdb_id=r.imdb_id or extra.imdb_id,
        title=extra.title, year=extra.year, poster_url=extra.poster_url, overview=extra.overview,
        seasons=r.seasons, is_4k=r.is_4k, origin=origin)


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


def search_titles(query: str, limit: int = SEARCH_LIMIT) -> list[seerr.SeerrTitle]:
    """Films and series in Seerr matching `query` (the first `limit`). Raises GatewayError."""
    client = seerr.client(timeout=SEARCH_TIMEOUT, retries=0)
    return client.search(query)[:limit]


def request_on_behalf(user, media_type: str, tmdb_id: int) -> MediaRequest:
    """Create the request in Seerr as `user` and mirror it here. Raises GatewayError or ValueError."""
    if not user.seerr_user_id:
        raise ValueError(f"{user.name} has no Seerr account linked yet: run a Seerr sync first.")
    client = seerr.client()
    created = client.create_request(media_type, tmdb_id, as_user=user.seerr_user_id)
    # Seerr's answer may leave out what we just sent: fill it in from the request itself.
    created = dataclasses.replace(created, media_type=created.media_type or media_type,
                                  tmdb_id=created.tmdb_id or tmdb_id,
                                  requested_by=created.requested_by or seerr.SeerrUser(id=user.seerr_user_id))
    req = save_request(client, created, {}, origin="on_behalf")
    if req is None:
        raise GatewayError("Seerr's answer did not describe the new request.")
    if req.requested_by_id is None:
        matching.add_follower(req, user, role="requester")
    return req
