from plexportal.gateways.arr import ArrClient, ArrSettings
from plexportal.lib import http


class RadarrClient(ArrClient):
    service = "Radarr"


def client(settings_module=None, **kwargs) -> RadarrClient:
    from plexportal.settings import service as settings

    s = settings_module or settings
    return RadarrClient(ArrSettings(s.get("RADARR_URL"), s.get("RADARR_API_KEY")), **kwargs)


def check(url: str, api_key: str):
    from plexportal.gateways.base import CheckResult, GatewayError

    try:
        return RadarrClient(ArrSettings(url, api_key), timeout=http.CHECK_TIMEOUT, retries=0).check()
    except GatewayError as err:
        return CheckResult(False, err.message)


# -- health monitors: targeted lookups, searches, file deletion ----------------------------------
# history eventType ints (Radarr): 1 grabbed, 3 downloadFolderImported, 4 downloadFailed.
GRABBED, IMPORTED, FAILED = 1, 3, 4
UNKNOWN_DATE = "9999-12-31"          # Radarr's releaseDate when neither physical nor cinema is known


def _movie_by_tmdb(self, tmdb_id: int) -> dict | None:
    data = self.get("movie", tmdbId=int(tmdb_id))
    return data[0] if isinstance(data, list) and data else None


def _movies_search(self, movie_ids) -> dict:
    return self.command("MoviesSearch", movieIds=sorted({int(i) for i in movie_ids}))


def _refresh_movie(self, movie_id: int) -> dict:
    return self.command("RefreshMovie", movieIds=[int(movie_id)])


def _delete_movie_file(self, file_id: int) -> None:
    self.request("DELETE", f"moviefile/{int(file_id)}")


def _movie_history(self, movie_id: int, event_type: int = GRABBED) -> list[dict]:
    data = self.get("history/movie", movieId=int(movie_id), eventType=event_type)
    return data if isinstance(data, list) else []


RadarrClient.movie_by_tmdb = _movie_by_tmdb
RadarrClient.movies_search = _movies_search
RadarrClient.refresh_movie = _refresh_movie
RadarrClient.delete_movie_file = _delete_movie_file
RadarrClient.movie_history = _movie_history
