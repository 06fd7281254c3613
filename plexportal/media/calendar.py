"""The upcoming calendar: episodes and film releases of requested titles, copied from the Sonarr
and Radarr calendars (two calls per refresh, whatever the library size) into CalendarEntry rows."""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from peewee import IntegrityError

from plexportal.db import db
from plexportal.gateways import radarr, rest, sonarr
from plexportal.gateways.base import GatewayError
from plexportal.gateways.radarr import Movie
from plexportal.gateways.sonarr import Episode
from plexportal.lib import clock
from plexportal.media.models import CalendarEntry, CalendarFeed, Follower, MediaRequest
from plexportal.settings import service as settings

AHEAD = timedelta(days=60)
BEHIND = timedelta(days=1)
# A background refresh: short timeouts, one retry (a hung host is skipped by the gateways' breaker).
TIMEOUT = rest.TIMEOUT
RETRIES = 1


def _requested() -> tuple[set, set]:
    rows = MediaRequest.select(MediaRequest.media_type, MediaRequest.tvdb_id, MediaRequest.tmdb_id).where(
        MediaRequest.status != "declined")
    return ({r.tvdb_id for r in rows if r.media_type == "tv" and r.tvdb_id},
            {r.tmdb_id for r in rows if r.media_type == "movie" and r.tmdb_id})


def episode_entries(items: list[Episode], wanted: set) -> list[dict]:
    out = []
    for ep in items:
        series = ep.series
        start = ep.air_date_utc
        if series is None or series.tvdb_id not in wanted or start is None:
            continue
        out.append({"key": f"sonarr:episode:{ep.id}", "media_type": "tv", "tvdb_id": series.tvdb_id,
                    "title": series.title[:300],
                    "detail": f"S{ep.season_number or 0:02d}E{ep.episode_number or 0:02d}"
                              + (f" · {ep.title}" if ep.title and ep.title.upper() != "TBA" else ""),
                    "starts_at": start, "all_day": False, "minutes": series.runtime or 30})
    return out


def film_entries(items: list[Movie], wanted: set, start: datetime, end: datetime) -> list[dict]:
    out = []
    for movie in items:
        if movie.tmdb_id not in wanted:
            continue
        for field, day, words in (("inCinemas", movie.in_cinemas, "in cinemas"),
                                  ("digitalRelease", movie.digital_release, "digital release"),
                                  ("physicalRelease", movie.physical_release, "on disc")):
            if day is None or not (start <= day <= end):
                continue
            out.append({"key": f"radarr:{movie.id}:{field}", "media_type": "movie", "tmdb_id": movie.tmdb_id,
                        "title": movie.title[:300], "detail": words, "starts_at": day,
                        "all_day": True, "minutes": 0})
    return out


def _fetch(service: str, start: datetime, end: datetime, tv: set, films: set) -> list[dict]:
    if service == "sonarr":
        return episode_entries(sonarr.client(timeout=TIMEOUT, retries=RETRIES).calendar(start, end), tv)
    return film_entries(radarr.client(timeout=TIMEOUT, retries=RETRIES).calendar(start, end), films, start, end)


def refresh() -> dict:
    """Fetch both calendars, then replace the stored window in one short transaction."""
    now = clock.now()
    start, end = now - BEHIND, now + AHEAD
    tv, films = _requested()
    fresh, errors, sources = [], [], []
    for service in ("sonarr", "radarr"):
        if not settings.get(f"{service.upper()}_URL"):
            continue
        try:
            fresh += _fetch(service, start, end, tv, films)
        except GatewayError as err:
            errors.append(err.message if isinstance(err, rest.Skipped) else f"{service.title()}: {err.message}")
            continue
        sources.append(service)
    with db.atomic():
        for service in sources:          # a service that failed keeps what it had
            CalendarEntry.delete().where(CalendarEntry.key.startswith(f"{service}:")).execute()
        for row in fresh:
            CalendarEntry.create(**row, refreshed_at=now)
    return {"entries": len(fresh), "errors": errors}


def upcoming(user=None, days: int = 60) -> list[CalendarEntry]:
    now = clock.now()
    q = CalendarEntry.select().where((CalendarEntry.starts_at >= now - timedelta(hours=12))
                                     & (CalendarEntry.starts_at <= now + timedelta(days=days)))
    if user is not None:
        follows = (MediaRequest.select(MediaRequest.media_type, MediaRequest.tvdb_id, MediaRequest.tmdb_id)
                   .join(Follower).where((Follower.user == user) & (MediaRequest.status != "declined")))
        tv = [r.tvdb_id for r in follows if r.media_type == "tv" and r.tvdb_id]
        films = [r.tmdb_id for r in follows if r.media_type == "movie" and r.tmdb_id]
        q = q.where(((CalendarEntry.media_type == "tv") & CalendarEntry.tvdb_id.in_(tv or [0]))
                    | ((CalendarEntry.media_type == "movie") & CalendarEntry.tmdb_id.in_(films or [0])))
    return list(q.order_by(CalendarEntry.starts_at, CalendarEntry.title))


def feed_for(user) -> CalendarFeed:
    feed = CalendarFeed.get_or_none(CalendarFeed.user == user)
    if feed is None:
        try:
            with db.atomic():
                feed = CalendarFeed.create(user=user, token=secrets.token_urlsafe(24))
        except IntegrityError:
            feed = CalendarFeed.get(CalendarFeed.user == user)
    return feed


TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")      # what secrets.token_urlsafe hands out


def user_for_token(token: str):
    # Anything else is no feed of ours; a NUL byte would even make PostgreSQL refuse the query (a 500).
    if not token or not TOKEN_RE.fullmatch(token):
        return None
    feed = CalendarFeed.get_or_none((CalendarFeed.token == token) & (CalendarFeed.enabled == True))
    if feed is None or not feed.user.is_active:
        return None
    CalendarFeed.update(last_fetched_at=clock.now()).where(CalendarFeed.id == feed.id).execute()
    return feed.user


def new_token(user) -> CalendarFeed:
    feed = feed_for(user)
    CalendarFeed.update(token=secrets.token_urlsafe(24)).where(CalendarFeed.id == feed.id).execute()
    return CalendarFeed.get_by_id(feed.id)
