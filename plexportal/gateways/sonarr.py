"""Sonarr v3 API: the calls only Sonarr answers (series, episodes, episode files), on top of arr.py."""
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
    Episode,
    HistoryRecord,
    QueueItem,
    Series,
)
from plexportal.gateways.base import CheckResult

__all__ = ["FAILED", "GRABBED", "IMPORTED", "Episode", "HistoryRecord", "QueueItem", "Series", "SonarrClient",
           "check", "client"]


class SonarrClient(ArrClient):
    service = "Sonarr"
    embed: ClassVar[dict[str, str]] = {"includeSeries": "true", "includeEpisode": "true"}
    unknown_items: ClassVar[str] = "includeUnknownSeriesItems"

    def series_by_tvdb(self, tvdb_id: int) -> Series | None:
        found = self.expect_list(self.get("series", tvdbId=int(tvdb_id)), "the series lookup")
        return Series.from_wire(found[0]) if found else None

    def episodes(self, series_id: int, season_number: int | None = None) -> list[Episode]:
        params = {"seriesId": int(series_id)}
        if season_number is not None:
            params["seasonNumber"] = int(season_number)
        return [Episode.from_wire(r) for r in self.expect_list(self.get("episode", **params), "the episode list")]

    def calendar(self, start: datetime | str, end: datetime | str, *, unmonitored: bool = False) -> list[Episode]:
        """Episodes airing between start and end, each with its series."""
        return [Episode.from_wire(r) for r in self.calendar_records(start, end, unmonitored=unmonitored,
                                                                    includeSeries="true")]

    def episode_search(self, episode_ids: Iterable[int]) -> Command:
        return self.command("EpisodeSearch", episodeIds=sorted({int(i) for i in episode_ids}))

    def refresh_series(self, series_id: int) -> Command:
        return self.command("RefreshSeries", seriesId=int(series_id))

    def delete_episode_file(self, file_id: int) -> None:
        self.request("DELETE", f"episodefile/{int(file_id)}")

    def episode_history(self, episode_id: int, event_type: int = GRABBED) -> list[HistoryRecord]:
        return self.history(episodeId=int(episode_id), event_type=event_type, page_size=50)


def client(**kwargs: Any) -> SonarrClient:
    from plexportal.settings import service as settings

    return SonarrClient(ArrSettings(settings.get("SONARR_URL"), settings.get("SONARR_API_KEY")), **kwargs)


def check(url: str, api_key: str) -> CheckResult:
    return SonarrClient.test_connection(ArrSettings(url, api_key))
