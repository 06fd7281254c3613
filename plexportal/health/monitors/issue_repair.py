"""The repair itself for a reported issue: find exactly the affected files by ids (targeted
lookups), delete them, blocklist the release that brought them, and make sure exactly one search
for a replacement happens. Each step is recorded on the IssueFix so a retry never repeats one."""
from __future__ import annotations

from plexportal.gateways.arr import HistoryRecord, latest_grab
from plexportal.gateways.base import GatewayError
from plexportal.gateways.radarr import RadarrClient
from plexportal.gateways.sonarr import SonarrClient
from plexportal.health.models import IssueFix
from plexportal.health.monitors import base


class CannotRepair(Exception):
    """The issue does not say precisely enough what to fix (a human has to look)."""


def _save(fix: IssueFix, steps: dict) -> None:
    IssueFix.update(affected=steps).where(IssueFix.id == fix.id).execute()
    fix.affected = steps


def _episode_words(e) -> str:
    code = f"S{e.season_number or 0:02d}E{e.episode_number or 0:02d}"
    return f"{code} · {e.title}" if e.title else code


def searched_words(fix: IssueFix, steps: dict) -> str:
    """What was searched for, as people name it ("The Show S01E03 · Pilot"), never by ids."""
    title = steps.get("title") or fix.title
    episodes = steps.get("episodes")
    if episodes is None and fix.season:                       # located before names were kept
        episodes = [f"S{fix.season:02d}E{fix.episode:02d}"] if fix.episode else [f"season {fix.season}"]
    return f"{title} {', '.join(episodes)}" if episodes else title


def locate(fix: IssueFix) -> dict:
    """What to repair, by ids: {"service", "series_id"/"movie_id", "episode_ids", "file_ids"}."""
    if fix.media_type == "movie":
        if not fix.tmdb_id:
            raise CannotRepair("the issue carries no TMDB id")
        movie = base.radarr_client().movie_by_tmdb(fix.tmdb_id)
        if movie is None:
            raise CannotRepair(f"Radarr has no film with TMDB id {fix.tmdb_id}")
        files = [movie.movie_file_id] if movie.movie_file_id else []
        return {"service": "radarr", "movie_id": movie.id, "file_ids": files, "title": movie.title}
    if not fix.tvdb_id:
        raise CannotRepair("the issue carries no TVDB id")
    if not fix.season:
        raise CannotRepair("the issue does not say which season is affected")
    client = base.sonarr_client()
    series = client.series_by_tvdb(fix.tvdb_id)
    if series is None:
        raise CannotRepair(f"Sonarr has no series with TVDB id {fix.tvdb_id}")
    episodes = client.episodes(series.id, fix.season)
    if fix.episode:
        episodes = [e for e in episodes if e.episode_number == fix.episode]
    if not episodes:
        raise CannotRepair("Sonarr has no such episode")
    return {"service": "sonarr", "series_id": series.id, "title": series.title,
            "episode_ids": sorted(e.id for e in episodes),
            "episodes": [_episode_words(e) for e in sorted(episodes, key=lambda e: e.episode_number or 0)],
            "file_ids": sorted({e.episode_file_id for e in episodes if e.episode_file_id})}


def repair(fix: IssueFix) -> dict:
    """Run (or finish) the repair. Raises GatewayError (retried later) or CannotRepair."""
    steps = dict(fix.affected or {})
    if "service" not in steps:
        steps.update(locate(fix))
        _save(fix, steps)
    client = base.arr_client(steps["service"])
    _delete_files(fix, steps, client)
    if not steps.get("blocklisted"):
        # After the files are gone: a search the *arr starts on its own must not find the old file.
        _blocklist(fix, steps, client)
    if not steps.get("searched"):
        _search_once(fix, steps, client)
    return steps


def _delete_files(fix: IssueFix, steps: dict, client: SonarrClient | RadarrClient) -> None:
    for file_id in steps.get("file_ids", []):
        if file_id in steps.get("deleted", []):
            continue
        try:
            if isinstance(client, SonarrClient):
                client.delete_episode_file(file_id)
            else:
                client.delete_movie_file(file_id)
        except GatewayError as err:
            if err.status != 404:          # already gone is what we wanted
                raise
        steps["deleted"] = [*steps.get("deleted", []), file_id]
        _save(fix, steps)


def _grabs(steps: dict, client: SonarrClient | RadarrClient) -> list[HistoryRecord | None]:
    if isinstance(client, SonarrClient):
        return [latest_grab(client.episode_history(eid)) for eid in steps["episode_ids"]]
    return [latest_grab(client.movie_history(steps["movie_id"]))]


def _blocklist(fix: IssueFix, steps: dict, client: SonarrClient | RadarrClient) -> None:
    # One mark per release (downloadId): Sonarr blocklists it once for all its episodes.
    marked = dict(steps.get("marking") or {})
    for record in {g.download_id: g for g in _grabs(steps, client) if g}.values():
        if record.download_id in marked:
            continue
        client.mark_history_failed(record.id)
        marked[record.download_id] = record.source_title or record.download_id
        steps["marking"] = marked
        _save(fix, steps)
    steps.update(blocklisted=list(marked.values()) or ["(no grab history: nothing to blocklist)"],
                 auto_search=bool(marked) and client.redownloads_failed())
    _save(fix, steps)


def _search_once(fix: IssueFix, steps: dict, client: SonarrClient | RadarrClient) -> None:
    if steps.get("auto_search"):
        # Marking the release failed made the *arr search by itself ("Redownload failed" is on);
        # a search of our own would be a second one.
        steps["searched"] = "by Sonarr/Radarr after the release was marked failed"
    elif isinstance(client, SonarrClient):
        client.episode_search(steps["episode_ids"])
        steps["searched"] = f"searched {searched_words(fix, steps)}"
    else:
        client.movies_search([steps["movie_id"]])
        steps["searched"] = f"searched {searched_words(fix, steps)}"
    _save(fix, steps)
