from plexportal.gateways.arr import ArrClient, ArrSettings
from plexportal.lib import http


class SonarrClient(ArrClient):
    service = "Sonarr"


def client(settings_module=None, **kwargs) -> SonarrClient:
    from plexportal.settings import service as settings

    s = settings_module or settings
    return SonarrClient(ArrSettings(s.get("SONARR_URL"), s.get("SONARR_API_KEY")), **kwargs)


def check(url: str, api_key: str):
    from plexportal.gateways.base import CheckResult, GatewayError

    try:
        return SonarrClient(ArrSettings(url, api_key), timeout=http.CHECK_TIMEOUT, retries=0).check()
    except GatewayError as err:
        return CheckResult(False, err.message)


# -- health monitors: targeted lookups, searches, file deletion ----------------------------------
# history eventType ints (Sonarr): 1 grabbed, 3 downloadFolderImported, 4 downloadFailed.
GRABBED, IMPORTED, FAILED = 1, 3, 4


def _series_by_tvdb(self, tvdb_id: int) -> dict | None:
    data = self.get("series", tvdbId=int(tvdb_id))
    return data[0] if isinstance(data, list) and data else None


def _episodes(self, series_id: int, season_number: int | None = None) -> list[dict]:
    params = {"seriesId": int(series_id)}
    if season_number is not None:
        params["seasonNumber"] = int(season_number)
    data = self.get("episode", **params)
    return data if isinstance(data, list) else []


def _episode_search(self, episode_ids) -> dict:
    return self.command("EpisodeSearch", episodeIds=sorted({int(i) for i in episode_ids}))


def _refresh_series(self, series_id: int) -> dict:
    return self.command("RefreshSeries", seriesId=int(series_id))


def _delete_episode_file(self, file_id: int) -> None:
    self.request("DELETE", f"episodefile/{int(file_id)}")


def _episode_history(self, episode_id: int, event_type: int = GRABBED) -> list[dict]:
    return self.history(episodeId=int(episode_id), event_type=event_type, page_size=50)


SonarrClient.series_by_tvdb = _series_by_tvdb
SonarrClient.episodes = _episodes
SonarrClient.episode_search = _episode_search
SonarrClient.refresh_series = _refresh_series
SonarrClient.delete_episode_file = _delete_episode_file
SonarrClient.episode_history = _episode_history
