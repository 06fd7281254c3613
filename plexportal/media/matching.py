"""Requests, arrivals and who hears about them. Matching is by ids only (DESIGN law 5):
tvdbId then tmdbId for series, tmdbId then imdbId for films.

Every step is idempotent through unique rows: an `Arrival` per item ever imported, an
`Announcement` per user and item ever handed to the outbox. So replays, reprocessing, races
between two webhooks for one series, and events arriving out of order all end in one message.

A series Seerr says is available, with no episode of a requested season known, is recorded as the
whole season (episode WHOLE_SEASON). A person hears about a season either episode by episode or as
a whole, never both: see `_one_way_per_season`.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from peewee import IntegrityError

from plexportal.auth.models import User
from plexportal.db import db
from plexportal.lib import clock
from plexportal.media import parsing
from plexportal.media.models import WHOLE_SEASON, Announcement, Arrival, Follower, MediaRequest
from plexportal.notify import service as notify

log = logging.getLogger(__name__)

KIND = "media.ready"
# A later event never moves a request backwards (Seerr's webhooks can arrive out of order).
RANK = {"pending": 0, "approved": 1, "failed": 1, "declined": 1, "available": 2}
# Episodes of a season someone was told about as a whole, arriving up to this long after that
# message, are the same import reported late (a delayed webhook, the reconciliation monitor, which
# looks back 48 hours by default): they are not announced to that person again.
SEASON_COVERS = timedelta(hours=48)


def media_key(media_type: str, tvdb_id=None, tmdb_id=None, imdb_id=None) -> str | None:
    if media_type == "tv":
        return f"tvdb:{tvdb_id}" if tvdb_id else (f"tmdb:{tmdb_id}" if tmdb_id else None)
    return f"tmdb:{tmdb_id}" if tmdb_id else (f"imdb:{imdb_id}" if imdb_id else None)


def request_key(req: MediaRequest) -> str | None:
    return media_key(req.media_type, req.tvdb_id, req.tmdb_id, req.imdb_id)


def find_requests(media_type: str, tvdb_id=None, tmdb_id=None, imdb_id=None) -> list[MediaRequest]:
    base = MediaRequest.select().where((MediaRequest.media_type == media_type)
                                       & (MediaRequest.status != "declined"))
    order = ([("tvdb", tvdb_id), ("tmdb", tmdb_id)] if media_type == "tv"
             else [("tmdb", tmdb_id), ("imdb", imdb_id)])
    for name, value in order:
        if value:
            found = list(base.where(getattr(MediaRequest, f"{name}_id") == value).order_by(MediaRequest.id))
            if found:
                return found
    return []


def arrivals_for(req: MediaRequest) -> list[Arrival]:
    """Every imported item that belongs to this request, by the same id order."""
    order = ([("tvdb", req.tvdb_id), ("tmdb", req.tmdb_id)] if req.media_type == "tv"
             else [("tmdb", req.tmdb_id), ("imdb", req.imdb_id)])
    for name, value in order:
        if value:
            found = list(Arrival.select().where((Arrival.media_type == req.media_type)
                                                & (getattr(Arrival, f"{name}_id") == value))
                         .order_by(Arrival.season, Arrival.episode))
            if found:
                return found
    return []


# -- users ------------------------------------------------------------------------------------

def find_or_create_user(*, email: str = "", username: str = "", seerr_user_id: int | None = None,
                        plex_user_id: int | None = None, avatar: str = "") -> User | None:
    """The person Seerr names (a webhook's requester, a synced Seerr user): see people.identity."""
    from plexportal.people import service as people

    return people.find_or_create_person("seerr", email=email, display_name=username, seerr_user_id=seerr_user_id,
                                        plex_user_id=plex_user_id, avatar=avatar)


# -- requests ---------------------------------------------------------------------------------

def upsert_request(*, seerr_request_id: int | None, media_type: str, status: str, user: User | None,
                   tmdb_id=None, tvdb_id=None, imdb_id=None, title: str = "", year=None, poster_url: str = "",
                   overview: str = "", seasons=None, is_4k: bool = False, origin: str = "webhook") -> MediaRequest:
    now = clock.now()
    with db.atomic():
        req = (MediaRequest.get_or_none(MediaRequest.seerr_request_id == seerr_request_id)
               if seerr_request_id else None)
        if req is None:
            try:
                with db.atomic():
                    req = MediaRequest.create(seerr_request_id=seerr_request_id, media_type=media_type,
                                              status=status, requested_by=user, tmdb_id=tmdb_id, tvdb_id=tvdb_id,
                                              imdb_id=imdb_id, title=title, year=year, poster_url=poster_url,
                                              overview=overview, seasons=seasons or [], is_4k=is_4k,
                                              origin=origin, created_at=now, updated_at=now)
            except IntegrityError:
                req = MediaRequest.get(MediaRequest.seerr_request_id == seerr_request_id)
        changes = {"updated_at": now}
        if RANK.get(status, 0) >= RANK.get(req.status, 0) and status != req.status:
            changes["status"] = status
        for name, value in (("tmdb_id", tmdb_id), ("tvdb_id", tvdb_id), ("imdb_id", imdb_id), ("title", title),
                            ("year", year), ("poster_url", poster_url), ("overview", overview)):
            if value and not getattr(req, name):
                changes[name] = value
        if seasons and not req.seasons:
            changes["seasons"] = seasons
        if user is not None and req.requested_by_id is None:
            changes["requested_by"] = user
        MediaRequest.update(changes).where(MediaRequest.id == req.id).execute()
        if user is not None:
            add_follower(req, user, role="requester")
    return MediaRequest.get_by_id(req.id)


def add_follower(req: MediaRequest, user: User, role: str = "follower") -> bool:
    try:
        with db.atomic():
            Follower.create(request=req, user=user, role=role, created_at=clock.now())
        return True
    except IntegrityError:
        return False


def remove_follower(req: MediaRequest, user: User) -> bool:
    return Follower.delete().where((Follower.request == req) & (Follower.user == user)
                                   & (Follower.role != "requester")).execute() > 0


def apply_seerr_request(parsed: parsing.Parsed) -> tuple[str, str]:
    r = parsed.request
    user = find_or_create_user(email=r.email, username=r.username, avatar=r.avatar)
    req = upsert_request(seerr_request_id=r.request_id, media_type=parsed.media_type, status=r.status, user=user,
                         tmdb_id=parsed.tmdb_id, tvdb_id=parsed.tvdb_id, title=parsed.title, year=parsed.year,
                         poster_url=parsed.poster_url, overview=parsed.overview, seasons=r.seasons)
    who = user.name if user else "unknown requester"
    if req.status == "declined":
        return "processed", f"Request {r.request_id} for {req.title or 'a title'} declined ({who})."
    note = ""
    if r.status == "available" and req.media_type == "movie":
        # Seerr saw the film in the library: as good as a Radarr import for a film.
        _record_arrival("movie", parsing.Episode(0, 0, req.title), req.title, req.tmdb_id, None, req.imdb_id, None)
    elif r.status == "available" and req.media_type == "tv":
        note = _record_whole_seasons(req, r.seasons or req.seasons or [])
    sent = announce(req)
    extra = f"; {sent} item(s) announced" if sent else ""
    return "processed", f"Request {r.request_id} for {req.title or 'a title'} is {req.status} ({who}){note}{extra}."


def _seasons_words(seasons) -> str:
    return ("season " if len(seasons) == 1 else "seasons ") + ", ".join(str(s) for s in sorted(seasons))


def _record_whole_seasons(req: MediaRequest, seasons: list[int]) -> str:
    """Seerr saw the request's seasons in the library: record each season no episode is known of
    as a whole-season arrival (episodes already reported by Sonarr say it better). Returns words
    for the inbox outcome."""
    if not seasons:
        # Seerr's default payload always names the requested seasons; a custom one may not.
        return "; Seerr named no seasons, so none is announced as a whole"
    ids = []
    if req.tvdb_id:
        ids.append(Arrival.tvdb_id == req.tvdb_id)
    if req.tmdb_id:
        ids.append(Arrival.tmdb_id == req.tmdb_id)
    if not ids:
        return ""
    same_series = ids[0] if len(ids) == 1 else (ids[0] | ids[1])
    with_episodes = {s for (s,) in Arrival.select(Arrival.season).distinct()
                     .where((Arrival.media_type == "tv") & same_series & (Arrival.episode != WHOLE_SEASON)
                            & Arrival.season.in_(seasons)).tuples()}
    for season in sorted(set(seasons) - with_episodes):
        _record_arrival("tv", parsing.Episode(season, WHOLE_SEASON, ""), req.title, req.tmdb_id, req.tvdb_id,
                        req.imdb_id, None)
    whole = sorted(set(seasons) - with_episodes)
    parts = []
    if whole:
        parts.append(f"{_seasons_words(whole)} in the library")
    if with_episodes:
        parts.append(f"{_seasons_words(with_episodes)} known episode by episode")
    return "; " + ", ".join(parts)


# -- arrivals and announcements -----------------------------------------------------------------

def _record_arrival(media_type, ep: parsing.Episode, series_title, tmdb_id, tvdb_id, imdb_id, event_id) -> bool:
    key = media_key(media_type, tvdb_id, tmdb_id, imdb_id)
    if key is None:
        return False
    try:
        with db.atomic():
            Arrival.create(media_type=media_type, media_key=key, season=ep.season, episode=ep.episode,
                           title=ep.title[:300], series_title=series_title[:300], tmdb_id=tmdb_id, tvdb_id=tvdb_id,
                           imdb_id=imdb_id, event=event_id, arrived_at=clock.now())
        return True
    except IntegrityError:
        return False                      # already known: a replay, an upgrade, or Import Complete after per-file


def record_import(event_id: int, parsed: parsing.Parsed) -> tuple[str, str]:
    items = parsed.episodes if parsed.media_type == "tv" else [parsing.Episode(0, 0, parsed.title)]
    new = sum(_record_arrival(parsed.media_type, ep, parsed.title, parsed.tmdb_id, parsed.tvdb_id, parsed.imdb_id,
                              event_id) for ep in items)
    what = describe(parsed.title, items, parsed.media_type)
    requests = find_requests(parsed.media_type, parsed.tvdb_id, parsed.tmdb_id, parsed.imdb_id)
    if not requests:
        ids = media_key(parsed.media_type, parsed.tvdb_id, parsed.tmdb_id, parsed.imdb_id)
        return "unmatched", (f"{what} imported, but no request has {ids} yet; it will be announced if one "
                             f"arrives.")
    sent = sum(announce(req) for req in requests)
    upgrade = " (upgrade)" if parsed.is_upgrade else ""
    if sent:
        return "processed", f"{what}{upgrade}: {sent} announcement(s) queued."
    return "processed", f"{what}{upgrade}: already announced{'' if new else ', nothing new'}."


def describe(title: str, items: list[parsing.Episode], media_type: str) -> str:
    if media_type != "tv":
        return title or "Film"
    eps = ", ".join(f"S{e.season:02d}E{e.episode:02d}" for e in items[:6])
    more = f" +{len(items) - 6}" if len(items) > 6 else ""
    return f"{title} {eps}{more}".strip()


def payload_for(req: MediaRequest) -> dict:
    return {"media_type": req.media_type, "title": req.title, "year": req.year, "poster_url": req.poster_url,
            "overview": req.overview[:1000], "ids": {"tmdb": req.tmdb_id, "tvdb": req.tvdb_id, "imdb": req.imdb_id},
            "request_id": req.id, "items": [], "watch_url": ""}


def announce(req: MediaRequest) -> int:
    """Hand every arrived item of this request to the outbox for each follower not told yet."""
    if req.status == "declined":
        return 0
    arrivals = arrivals_for(req)
    if req.media_type == "tv" and req.seasons:
        arrivals = [a for a in arrivals if a.season in req.seasons]
    if not arrivals:
        return 0
    Arrival.update(request=req).where((Arrival.id.in_([a.id for a in arrivals])) & (Arrival.request.is_null())).execute()

    group_key = f"{KIND}:{request_key(req)}"
    count = 0
    for follower in Follower.select().where(Follower.request == req).order_by(Follower.id):
        user = User.get_by_id(follower.user_id)
        if follower.role != "requester":
            # Followers hear about what arrives after they started following, not the back catalogue.
            mine = [a for a in arrivals if a.arrived_at >= follower.created_at]
        else:
            mine = arrivals
        if not _untold(req, user, mine):
            continue                      # the usual case for a replay: no write transaction at all
        fresh = []
        with db.atomic():
            # Hold this person's follower row while deciding again, so two announcements racing for
            # them (a Sonarr import and Seerr's "available") see each other's rows: PostgreSQL locks
            # the row until commit; SQLite's transaction already holds the write lock.
            Follower.update(role=Follower.role).where(Follower.id == follower.id).execute()
            for a in _untold(req, user, mine):
                try:
                    with db.atomic():
                        Announcement.create(request=req, user=user, season=a.season, episode=a.episode,
                                            at=clock.now())
                    fresh.append(a)
                except IntegrityError:
                    continue
            if not fresh:
                continue
            items = ([{"season": a.season, "episode": a.episode, "title": a.title} for a in fresh]
                     if req.media_type == "tv" else None)
            # Same transaction as the Announcement rows: both are stored, or neither is.
            notify.notify_user(user, KIND, group_key, items, payload_for(req))
        count += len(fresh)
    return count


def _untold(req: MediaRequest, user: User, arrivals: list[Arrival]) -> list[Arrival]:
    """The arrivals this person has not been told about (nor has waiting in the outbox)."""
    told = {(s, e): at for s, e, at in
            Announcement.select(Announcement.season, Announcement.episode, Announcement.at)
            .where((Announcement.request == req) & (Announcement.user == user)).tuples()}
    todo = [a for a in arrivals if (a.season, a.episode) not in told]
    return _one_way_per_season(todo, told) if req.media_type == "tv" and todo else todo


def _one_way_per_season(todo: list[Arrival], told: dict) -> list[Arrival]:
    """A person hears about a season episode by episode or as a whole, not both. `todo` are the
    arrivals not announced to them yet, `told` their announcements {(season, episode): at}.

    - A whole season is dropped when they were told, or are about to be told, any episode of it.
    - An episode is dropped when they were told its season as a whole and it arrived before that
      or up to SEASON_COVERS after (the same import, reported late). Later ones are new: announced.
    """
    whole_told = {s: at for (s, e), at in told.items() if e == WHOLE_SEASON}
    episode_seasons = {s for (s, e) in told if e != WHOLE_SEASON}
    episode_seasons |= {a.season for a in todo
                        if a.episode != WHOLE_SEASON and not _covered(a, whole_told)}
    out = []
    for a in todo:
        if a.episode == WHOLE_SEASON:
            if a.season not in episode_seasons:
                out.append(a)
        elif not _covered(a, whole_told):
            out.append(a)
    return out


def _covered(a: Arrival, whole_told: dict) -> bool:
    at = whole_told.get(a.season)
    return at is not None and a.arrived_at <= at + SEASON_COVERS


def match_pending_arrivals() -> int:
    """Announce arrivals whose request became known later (out-of-order events, a sync)."""
    total = 0
    keys = {a.media_key for a in Arrival.select(Arrival.media_key).where(Arrival.request.is_null())}
    for req in MediaRequest.select().where(MediaRequest.status != "declined"):
        if request_key(req) in keys or (req.media_type == "tv" and req.tmdb_id and f"tmdb:{req.tmdb_id}" in keys):
            total += announce(req)
    return total
