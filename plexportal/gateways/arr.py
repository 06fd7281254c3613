"""What Sonarr and Radarr share: the v3 REST API with X-Api-Key (../shared/reference/webhooks.md §4),
and the resources both return. The only module, with sonarr.py and radarr.py, that knows their keys.

Resources (dataclasses named after the *arr's own): `QueueItem`, `HistoryRecord`, `Command`,
`SystemStatus`, and the media they embed: `Series`, `Episode` (Sonarr), `Movie` (Radarr).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from plexportal.gateways import wire
from plexportal.gateways.base import CheckResult, GatewayError, run_check
from plexportal.gateways.rest import RestClient

PAGE_SIZE = 1000          # the *arr default is 10: always ask for big pages
# history eventType ints (§4.3), the same in Sonarr and Radarr for these three.
GRABBED, IMPORTED, FAILED = 1, 3, 4


@dataclass
class ArrSettings:
    url: str
    api_key: str


@dataclass
class SystemStatus:
    app_name: str
    version: str


@dataclass
class Series:
    id: int
    title: str
    tvdb_id: int | None = None
    tmdb_id: int | None = None
    imdb_id: str | None = None
    year: int | None = None
    runtime: int | None = None           # minutes per episode

    @classmethod
    def from_wire(cls, r: dict[str, Any]) -> Series:
        return cls(id=wire.integer(r.get("id")) or 0, title=wire.text(r.get("title")),
                   tvdb_id=wire.integer(r.get("tvdbId")) or None, tmdb_id=wire.integer(r.get("tmdbId")) or None,
                   imdb_id=wire.optional_text(r.get("imdbId")), year=wire.integer(r.get("year")) or None,
                   runtime=wire.integer(r.get("runtime")) or None)


@dataclass
class Episode:
    id: int
    series_id: int | None
    season_number: int | None
    episode_number: int | None
    title: str = ""
    air_date_utc: datetime | None = None
    has_file: bool = False
    monitored: bool = True
    episode_file_id: int | None = None
    series: Series | None = None          # embedded by the calendar (includeSeries)

    @classmethod
    def from_wire(cls, r: dict[str, Any]) -> Episode:
        series = r.get("series")
        return cls(id=wire.integer(r.get("id")) or 0, series_id=wire.integer(r.get("seriesId")),
                   season_number=wire.integer(r.get("seasonNumber")),
                   episode_number=wire.integer(r.get("episodeNumber")), title=wire.text(r.get("title")),
                   air_date_utc=wire.moment(r.get("airDateUtc")), has_file=wire.flag(r.get("hasFile")),
                   monitored=wire.flag(r.get("monitored"), default=True),
                   episode_file_id=wire.integer(r.get("episodeFileId")) or None,
                   series=Series.from_wire(series) if isinstance(series, dict) else None)


@dataclass
class Movie:
    id: int
    title: str
    tmdb_id: int | None = None
    imdb_id: str | None = None
    year: int | None = None
    has_file: bool = False
    movie_file_id: int | None = None
    in_cinemas: datetime | None = None
    digital_release: datetime | None = None
    physical_release: datetime | None = None

    @classmethod
    def from_wire(cls, r: dict[str, Any]) -> Movie:
        return cls(id=wire.integer(r.get("id")) or 0, title=wire.text(r.get("title")),
                   tmdb_id=wire.integer(r.get("tmdbId")) or None, imdb_id=wire.optional_text(r.get("imdbId")),
                   year=wire.integer(r.get("year")) or None, has_file=wire.flag(r.get("hasFile")),
                   movie_file_id=wire.integer(r.get("movieFileId")) or None,
                   in_cinemas=wire.moment(r.get("inCinemas")), digital_release=wire.moment(r.get("digitalRelease")),
                   physical_release=wire.moment(r.get("physicalRelease")))


@dataclass
class QueueItem:
    """One queue record. Sonarr has one record per episode, so a season pack is N records sharing
    one download_id; callers group by download_id."""
    id: int
    download_id: str
    title: str
    status: str                      # lower-cased: before Sonarr 4.0.10 / Radarr 5.15 it was PascalCase
    tracked_status: str              # ok | warning | error
    tracked_state: str               # downloading, importBlocked, importPending, failedPending, …
    messages: list[str]
    error_message: str
    size: float
    sizeleft: float
    timeleft: str | None
    added: str | None
    protocol: str
    download_client: str
    indexer: str
    series_id: int | None = None
    episode_id: int | None = None
    season_number: int | None = None
    episode_number: int | None = None
    episode_title: str = ""
    movie_id: int | None = None
    media_title: str = ""

    @classmethod
    def from_wire(cls, r: dict[str, Any]) -> QueueItem:
        episode = wire.obj(r.get("episode"))
        media = wire.obj(r.get("series")) or wire.obj(r.get("movie"))
        return cls(
            id=wire.integer(r.get("id")) or 0, download_id=wire.text(r.get("downloadId")),
            title=wire.text(r.get("title")), status=wire.text(r.get("status")).lower(),
            tracked_status=wire.text(r.get("trackedDownloadStatus")).lower(),
            tracked_state=wire.text(r.get("trackedDownloadState")), messages=_status_messages(r),
            error_message=wire.text(r.get("errorMessage")), size=wire.number(r.get("size")),
            sizeleft=wire.number(r.get("sizeleft")), timeleft=wire.optional_text(r.get("timeleft")),
            added=wire.optional_text(r.get("added")), protocol=wire.text(r.get("protocol")),
            download_client=wire.text(r.get("downloadClient")), indexer=wire.text(r.get("indexer")),
            series_id=wire.integer(r.get("seriesId")), episode_id=wire.integer(r.get("episodeId")),
            season_number=wire.integer(r.get("seasonNumber")), episode_number=wire.integer(episode.get("episodeNumber")),
            episode_title=wire.text(episode.get("title")), movie_id=wire.integer(r.get("movieId")),
            media_title=wire.text(media.get("title")),
        )


def _status_messages(r: dict[str, Any]) -> list[str]:
    """statusMessages [{title, messages[]}] flattened; a block without messages says its title."""
    out: list[str] = []
    for block in wire.objects(r.get("statusMessages")):
        texts = [wire.text(m) for m in block.get("messages") or [] if wire.text(m)]
        out.extend(texts or ([wire.text(block.get("title"))] if wire.text(block.get("title")) else []))
    return out


@dataclass
class HistoryRecord:
    id: int
    event_type: str                   # camelCase: grabbed, downloadFolderImported, downloadFailed, …
    download_id: str
    source_title: str
    date: datetime | None
    series_id: int | None = None
    episode_id: int | None = None
    movie_id: int | None = None
    series: Series | None = None      # embedded with includeSeries / includeEpisode / includeMovie
    episode: Episode | None = None
    movie: Movie | None = None
    data: dict[str, str] = field(default_factory=dict)   # indexer, releaseGroup, message, …

    @classmethod
    def from_wire(cls, r: dict[str, Any]) -> HistoryRecord:
        series, episode, movie = r.get("series"), r.get("episode"), r.get("movie")
        return cls(id=wire.integer(r.get("id")) or 0, event_type=wire.text(r.get("eventType")),
                   download_id=wire.text(r.get("downloadId")), source_title=wire.text(r.get("sourceTitle")),
                   date=wire.moment(r.get("date")), series_id=wire.integer(r.get("seriesId")),
                   episode_id=wire.integer(r.get("episodeId")), movie_id=wire.integer(r.get("movieId")),
                   series=Series.from_wire(series) if isinstance(series, dict) else None,
                   episode=Episode.from_wire(episode) if isinstance(episode, dict) else None,
                   movie=Movie.from_wire(movie) if isinstance(movie, dict) else None,
                   data={str(k): wire.text(v) for k, v in wire.obj(r.get("data")).items()})


@dataclass
class Command:
    id: int
    name: str
    status: str                       # queued | started | completed | failed | aborted | …

    @classmethod
    def from_wire(cls, r: dict[str, Any]) -> Command:
        return cls(id=wire.integer(r.get("id")) or 0, name=wire.text(r.get("name")),
                   status=wire.text(r.get("status")))


def _flag(value: bool) -> str:
    return "true" if value else "false"


class ArrClient(RestClient):
    """The calls Sonarr and Radarr answer alike; subclasses add their own media lookups."""

    service = "Sonarr"
    api_prefix = "api/v3"
    # Query parameters that embed the media in queue and history records.
    embed: ClassVar[dict[str, str]] = {}
    unknown_items: ClassVar[str] = ""

    # -- connection ------------------------------------------------------------------------------
    def system_status(self) -> SystemStatus:
        data = self.get("system/status")
        if not isinstance(data, dict) or "version" not in data:
            raise GatewayError(f"That does not look like {self.service}: check the URL.", permanent=True)
        return SystemStatus(app_name=wire.text(data.get("appName")) or self.service,
                            version=wire.text(data.get("version")))

    def check(self) -> CheckResult:
        def probe() -> tuple[str, str]:
            status = self.system_status()
            if status.app_name.lower() != self.service.lower():
                raise GatewayError(f"That URL is {status.app_name}, not {self.service}.", permanent=True)
            return f"Connected to {status.app_name} {status.version}.", status.version
        return run_check(probe, self.service)

    # -- lists -----------------------------------------------------------------------------------
    def paged(self, path: str, page_size: int = PAGE_SIZE, **params: Any) -> Iterator[dict[str, Any]]:
        """Every record of a paged endpoint ({page, pageSize, totalRecords, records}), page by page."""
        page = 1
        while True:
            data = self.get(path, page=page, pageSize=page_size, **params)
            if not isinstance(data, dict) or not isinstance(data.get("records"), list):
                raise GatewayError(f"{self.service} answered an unexpected page for {path}.", permanent=True)
            records = data["records"]
            yield from wire.objects(records)
            total = wire.integer(data.get("totalRecords")) or 0
            if not records or page * page_size >= total:
                return
            page += 1

    def queue(self, page_size: int = PAGE_SIZE) -> list[QueueItem]:
        params = dict(self.embed)
        if self.unknown_items:
            params[self.unknown_items] = "false"          # items not matched to a series/film
        return [QueueItem.from_wire(r) for r in self.paged("queue", page_size, **params)]

    def remove_from_queue(self, queue_id: int, *, blocklist: bool = True, skip_redownload: bool = True,
                          remove_from_client: bool = True) -> None:
        """Blocklisting publishes DownloadFailed; skipRedownload=true stops the *arr searching by
        itself, so the caller's own targeted search is the only one."""
        self.request("DELETE", f"queue/{int(queue_id)}", params={
            "removeFromClient": _flag(remove_from_client), "blocklist": _flag(blocklist),
            "skipRedownload": _flag(skip_redownload), "changeCategory": "false"})

    def history_since(self, since: datetime | str, event_type: int | None = None) -> list[HistoryRecord]:
        """Every history record since `since` (not paged by the *arr), with the series/episode or
        movie embedded so no lookup per record is needed."""
        params: dict[str, Any] = {"date": wire.iso(since), **self.embed}
        if event_type is not None:
            params["eventType"] = event_type
        return [HistoryRecord.from_wire(r) for r in self.expect_list(self.get("history/since", **params), "history")]

    def history(self, *, event_type: int | None = None, page_size: int = PAGE_SIZE,
                **filters: Any) -> list[HistoryRecord]:
        params = dict(filters, sortKey="date", sortDirection="descending")
        if event_type is not None:
            params["eventType"] = event_type
        return [HistoryRecord.from_wire(r) for r in self.paged("history", page_size, **params)]

    def calendar_records(self, start: datetime | str, end: datetime | str, *, unmonitored: bool = False,
                         **extra: str) -> list[dict[str, Any]]:
        params = {"start": wire.iso(start), "end": wire.iso(end), "unmonitored": _flag(unmonitored), **extra}
        return self.expect_list(self.get("calendar", **params), "the calendar")

    # -- actions ---------------------------------------------------------------------------------
    def command(self, name: str, **body: Any) -> Command:
        return Command.from_wire(self.expect_object(self.request("POST", "command", json={"name": name, **body}),
                                                    f"the {name} command"))

    def mark_history_failed(self, history_id: int) -> None:
        """Blocklist the release behind a 'grabbed' history record (the history page's Mark as failed)."""
        self.request("POST", f"history/failed/{int(history_id)}")

    def redownloads_failed(self) -> bool:
        """Whether the *arr searches again by itself after a release is marked failed."""
        config = self.expect_object(self.get("config/downloadclient"), "the download client settings")
        return wire.flag(config.get("autoRedownloadFailed"))


def latest_grab(records: list[HistoryRecord]) -> HistoryRecord | None:
    """The newest 'grabbed' record that names its download, if any."""
    grabs = [r for r in records if r.event_type == "grabbed" and r.download_id]
    return max(grabs, key=lambda r: r.date.timestamp() if r.date else 0.0, default=None)
