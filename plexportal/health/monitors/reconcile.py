"""Reconciliation: the *arrs keep no log of webhooks they failed to deliver, so compare their
import history (/history/since, eventType 3 = imported) and Seerr's processing requests with what
plexportal recorded. An import we never heard of is recorded now and announced through the normal
path (arrivals → followers → notify_user batching), which never says anything twice; a Seerr
request we never heard of is saved like a sync would. What it found is listed on its page."""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from peewee import OperationalError

from plexportal.gateways import arr
from plexportal.gateways.arr import HistoryRecord
from plexportal.gateways.base import GatewayError
from plexportal.health.monitors import base
from plexportal.lib import clock
from plexportal.media import parsing
from plexportal.media import service as media
from plexportal.media.models import Arrival, MediaRequest
from plexportal.settings import service as settings

NAME = "reconcile"
IMPORTED = arr.IMPORTED        # downloadFolderImported, the same number in Sonarr and Radarr


def _known(media_type: str, key: str | None, season: int, episode: int) -> bool:
    return key is None or Arrival.select().where((Arrival.media_type == media_type) & (Arrival.media_key == key)
                                                 & (Arrival.season == season) & (Arrival.episode == episode)).exists()


def _series_imports(records: list[HistoryRecord]) -> dict:
    """{tvdb_id: (series, {(season, episode): title})} for imports we have no arrival for."""
    missing: dict = defaultdict(lambda: (None, {}))
    for r in records:
        series, ep = r.series, r.episode
        if series is None or ep is None or not series.tvdb_id or ep.season_number is None or ep.episode_number is None:
            continue
        tvdb, season, number = series.tvdb_id, ep.season_number, ep.episode_number
        if _known("tv", media.media_key("tv", tvdb, series.tmdb_id), season, number):
            continue
        _, eps = missing[tvdb]
        eps[(season, number)] = ep.title
        missing[tvdb] = (series, eps)
    return missing


def _announce(ctx, parsed: parsing.Parsed, what: str) -> None:
    _status, outcome = media.record_import(parsed)
    ctx.acted(f"missed import recorded: {what} ({outcome})")


def check_sonarr(ctx, since) -> None:
    client = base.sonarr_client()
    records = client.history_since(since, event_type=IMPORTED)
    for tvdb, (series, eps) in _series_imports(records).items():
        ctx.found += 1
        episodes = [parsing.Episode(s, e, t) for (s, e), t in sorted(eps.items())]
        parsed = parsing.Parsed(source="sonarr", event_type="Download", kind=parsing.IMPORT, media_type="tv",
                                title=series.title, year=series.year, tvdb_id=tvdb, tmdb_id=series.tmdb_id,
                                imdb_id=series.imdb_id, episodes=episodes, arr_id=series.id or None)
        _announce(ctx, parsed, media.describe(parsed.title, episodes, "tv"))


def check_radarr(ctx, since) -> None:
    client = base.radarr_client()
    seen = set()
    for r in client.history_since(since, event_type=IMPORTED):
        movie = r.movie
        tmdb = movie.tmdb_id if movie is not None else None
        if movie is None or not tmdb or tmdb in seen or _known("movie", media.media_key("movie", None, tmdb), 0, 0):
            continue
        seen.add(tmdb)
        ctx.found += 1
        parsed = parsing.Parsed(source="radarr", event_type="Download", kind=parsing.IMPORT, media_type="movie",
                                title=movie.title, year=movie.year, tmdb_id=tmdb, imdb_id=movie.imdb_id,
                                arr_id=movie.id or None)
        _announce(ctx, parsed, parsed.title)


def check_seerr(ctx) -> None:
    client = base.seerr_client()
    if client is None:
        return
    known = {r.seerr_request_id for r in MediaRequest.select(MediaRequest.seerr_request_id)
             .where(MediaRequest.seerr_request_id.is_null(False))}
    cache: dict = {}
    for r in client.requests_by_filter("processing"):
        if r.id in known:
            continue
        ctx.found += 1
        try:
            saved = media.save_request(client, r, cache, origin="reconcile")
        except OperationalError as err:      # e.g. SQLite busy while the same request's webhook is processed
            ctx.errors.append(f"request {r.id}: {err}; retried next run")
            continue
        if saved is not None:
            ctx.acted(f"missed Seerr request {r.id} saved: {saved.title or saved.media_type}")


def run(ctx) -> None:
    since = clock.now() - timedelta(hours=settings.get_int("RECONCILE_LOOKBACK_HOURS"))
    for service, check, arg in (("sonarr", check_sonarr, since), ("radarr", check_radarr, since),
                                ("seerr", None, None)):
        if not settings.get(f"{service.upper()}_URL"):
            continue
        try:
            check_seerr(ctx) if check is None else check(ctx, arg)
        except GatewayError as err:
            ctx.upstream_error(service.title(), err)
    if not ctx.found:
        ctx.note("nothing missed: every import and request was already known")


MONITOR = base.Monitor(NAME, "Reconciliation",
                       "Compares Sonarr/Radarr import history and Seerr's processing requests with what plexportal "
                       "heard, and sends what a missed webhook never triggered.", run, default_interval=60,
                       settings=("RECONCILE_LOOKBACK_HOURS",))
