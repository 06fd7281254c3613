"""Radarr v3 API: the calls only Radarr answers (films, film files, a film's history), on top of arr.py."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar

from plexportal.gateways.arr import (
    FAILED,
    GRABBED,
    IMPORTED,
    ArrClient,
    ArrSettings,
    Command,
    HistoryRecord,
    Movie,
    QueueItem,
)
from plexportal.gateways.base import CheckResult

__all__ = ["FAILED", "GRABBED", "IMPORTED", "HistoryRecord", "Movie", "QueueItem", "RadarrClient", "check",
           "client"]


class RadarrClient(ArrClient):
    service = "Radarr"
    embed: ClassVar[dict[str, str]] = {"includeMovie": "true"}
    unknown_items: ClassVar[str] = "includeUnknownMovieItems"

    def movie_by_tmdb(self, tmdb_id: int) -> Movie | None:
        found = self.expect_list(self.get("movie", tmdbId=int(tmdb_id)), "the film lookup")
        return Movie.from_wire(found[0]) if found else None

    def calendar(self, start: datetime | str, end: datetime | str, *, unmonitored: bool = False) -> list[Movie]:
        """Films with a cinema, digital or disc release between start and end."""
        return [Movie.from_wire(r) for r in self.calendar_records(start, end, unmonitored=unmonitored)]

    def movies_search(self, movie_ids: Iterable[int]) -> Command:
        return self.command("MoviesSearch", movieIds=sorted({int(i) for i in movie_ids}))

    def refresh_movie(self, movie_id: int) -> Command:
        return self.command("RefreshMovie", movieIds=[int(movie_id)])

    def delete_movie_file(self, file_id: int) -> None:
        self.request("DELETE", f"moviefile/{int(file_id)}")

    def movie_history(self, movie_id: int, event_type: int = GRABBED) -> list[HistoryRecord]:
        data = self.get("history/movie", movieId=int(movie_id), eventType=event_type)
        return [HistoryRecord.from_wire(r) for r in self.expect_list(data, "the film history")]


def client(**kwargs: Any) -> RadarrClient:
    from plexportal.settings import service as settings

    return RadarrClient(ArrSettings(settings.get("RADARR_URL"), settings.get("RADARR_API_KEY")), **kwargs)


def check(url: str, api_key: str) -> CheckResult:
    return RadarrClient.test_connection(ArrSettings(url, api_key))
