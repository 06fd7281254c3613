"""The availability gate for "media.ready" messages: before a message goes out, confirm by id that
the server's library really has the item(s), and fill the payload's `watch_url` with a deep link.

Runs in the sender outside any transaction (DESIGN law 1): it only reads the notification it is
given and returns a decision. While the library lacks the item the message waits, re-checked every
AVAILABILITY_RETRY seconds; past AVAILABILITY_MAX_WAIT from the first item it goes out anyway,
flagged for the admin.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from plexportal.gateways import jellyfin, plex
from plexportal.gateways.base import GatewayError
from plexportal.lib import clock
from plexportal.lib.breaker import Breaker
from plexportal.notify import episodes, send
from plexportal.notify.tasks import send_notifications_task
from plexportal.settings import service as settings

log = logging.getLogger(__name__)

CACHE_SECONDS = 15       # several messages for one title due together share one library sweep
Item = plex.LibraryItem | jellyfin.JellyfinItem
_cache: dict[tuple[str, str, tuple[tuple[str, str], ...]], tuple[float, Item | None]] = {}
_lock = threading.Lock()


@dataclass
class Check:
    found: bool
    watch_url: str = ""
    missing: str = ""


# A server that keeps timing out is skipped for a while, so messages waiting on it are decided at
# once (wait, or go out flagged past max wait) instead of each costing a timeout.
BREAKER = Breaker(failures=3, cooldown=300)


def _lookup(mode: str, media_type: str, ids: dict) -> Item | None:
    key = (mode, media_type, tuple(sorted((k, str(v)) for k, v in ids.items() if v)))
    with _lock:
        hit = _cache.get(key)
        if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
    server = "Plex" if mode == "plex" else "Jellyfin"
    url = settings.get("PLEX_URL" if mode == "plex" else "JELLYFIN_URL")
    host = urlsplit(url).netloc or url
    until = BREAKER.open_until(host)
    if until is not None:
        seconds = max(1, int(until - time.monotonic()))
        raise GatewayError(f"{server} did not answer the last checks; not asked again for {seconds} s.")
    timeout = float(settings.get_int("AVAILABILITY_TIMEOUT"))
    item: Item | None
    try:
        if mode == "plex":
            item = plex.find_item(plex.settings_from_store(), media_type, ids, timeout=timeout)
        else:
            item = jellyfin.find_item(jellyfin.JellyfinSettings(url, settings.get("JELLYFIN_API_KEY")), media_type,
                                      ids, timeout=(min(3.0, timeout), timeout))
    except GatewayError as err:
        if not err.permanent and err.status is None:     # timed out, refused, unreachable
            BREAKER.failed(host)
        raise
    BREAKER.succeeded(host)
    with _lock:
        _cache[key] = (time.monotonic(), item)
    return item


def clear_cache() -> None:
    with _lock:
        _cache.clear()
    BREAKER.reset()


def check(mode: str, payload: dict) -> Check:
    # Anything not a series is looked for as a film, as the gateways do.
    media_type = "tv" if payload.get("media_type") == "tv" else "movie"
    ids = {k: v for k, v in (payload.get("ids") or {}).items() if k in ("tmdb", "tvdb", "imdb") and v}
    item = _lookup(mode, media_type, ids)
    server = "Plex" if mode == "plex" else "Jellyfin"
    if item is None:
        return Check(False, missing=f"not in {server} yet")
    if media_type != "tv":
        return Check(True, item.web_url)
    items = payload.get("items") or []
    # A whole season (Seerr saw it, no episode list) is there when the show has any episode of it.
    seasons = set(episodes.whole_seasons(items))
    wanted = {p for p in episodes.episode_pairs(items) if p[0] not in seasons}
    have = set(item.episodes)
    missing = [f"S{s:02d}E{e:02d}" for s, e in sorted(wanted - have)]
    missing = [episodes.format_seasons([s]) for s in sorted(seasons - {s for s, _ in have})] + missing
    if missing:
        return Check(False, item.web_url, f"{', '.join(missing[:5])} not in {server} yet")
    if len(wanted) == 1 and not seasons and isinstance(item, plex.LibraryItem):
        (season, episode), = wanted
        return Check(True, item.episode_url(season, episode))
    return Check(True, item.web_url)


def gate(n) -> send.GateResult:
    mode = settings.get("AVAILABILITY_CHECK")
    if mode not in ("plex", "jellyfin"):
        return send.GateResult(True)
    if not settings.get("PLEX_URL" if mode == "plex" else "JELLYFIN_URL"):
        return send.GateResult(True)          # no server connected yet: nothing to confirm against
    payload = n.payload or {}
    try:
        result = check(mode, payload)
    except GatewayError as err:
        log.info("availability check for notification %s failed: %s", n.id, err.message)
        result = Check(False, missing=err.message)
    if result.found:
        return send.GateResult(True, payload_updates={"watch_url": result.watch_url})
    now = clock.now()
    started = n.first_item_at or n.created_at
    max_wait = timedelta(seconds=settings.get_int("AVAILABILITY_MAX_WAIT"))
    if now - started >= max_wait:
        minutes = int(max_wait.total_seconds() // 60)
        flag = f"Sent unconfirmed after {minutes} min: {result.missing}"
        return send.GateResult(True, flag=flag, payload_updates={"watch_url": result.watch_url} if result.watch_url else {})
    retry = timedelta(seconds=settings.get_int("AVAILABILITY_RETRY"))
    retry_at = min(now + retry, started + max_wait)
    _wake_at(n.id, retry_at)
    return send.GateResult(False, retry_at=retry_at)


def _wake_at(notification_id: int, at) -> None:
    """Ask the worker to look again at `at` rather than at the next minute sweep (which stays the
    safety net if this scheduled task is lost)."""

    try:
        send_notifications_task.schedule(args=([notification_id],), eta=at)
    except Exception as err:  # noqa: BLE001 - the sweep will find the row when it is due
        log.info("could not schedule the availability re-check of %s: %s", notification_id, err)

