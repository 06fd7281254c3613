"""What Sonarr and Radarr share: the v3 REST API with X-Api-Key."""
from __future__ import annotations

from dataclasses import dataclass

from plexportal.gateways.base import CheckResult, GatewayError, json_or_error, raise_for_status, run_check
from plexportal.lib import http


@dataclass
class ArrSettings:
    url: str
    api_key: str


class ArrClient:
    service = "Sonarr"

    def __init__(self, settings: ArrSettings, *, timeout=http.DEFAULT_TIMEOUT, retries: int = 2):
        if not settings.url:
            raise GatewayError(f"{self.service} is not configured (no URL).", permanent=True)
        self.base = settings.url.rstrip("/")
        self.api_key = settings.api_key
        self.session = http.session(retries=retries, timeout=timeout)
        self.session.headers["X-Api-Key"] = settings.api_key or ""
        self.session.headers["Accept"] = "application/json"

    def request(self, method: str, path: str, **kwargs):
        from plexportal.gateways.base import describe_exception

        try:
            response = self.session.request(method, f"{self.base}/api/v3/{path.lstrip('/')}",
                                            allow_redirects=False, **kwargs)
        except Exception as err:  # noqa: BLE001
            raise describe_exception(err, self.service) from None
        raise_for_status(response, self.service)
        if response.status_code == 204 or not response.content:
            return None
        return json_or_error(response, self.service)

    def get(self, path: str, **params):
        return self.request("GET", path, params=params or None)

    def system_status(self) -> dict:
        data = self.get("system/status")
        if not isinstance(data, dict) or "version" not in data:
            raise GatewayError(f"That does not look like {self.service}: check the URL.", permanent=True)
        return data

    def check(self) -> CheckResult:
        def probe():
            status = self.system_status()
            app = status.get("appName") or self.service
            if app.lower() != self.service.lower():
                raise GatewayError(f"That URL is {app}, not {self.service}.", permanent=True)
            return f"Connected to {app} {status.get('version')}.", status.get("version", "")
        return run_check(probe, self.service)


# -- health monitors: queue, history, calendar, commands (../shared/reference/webhooks.md §4) -------

PAGE_SIZE = 1000          # the *arr default is 10: always ask for big pages


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
    def from_record(cls, r: dict) -> "QueueItem":
        messages = []
        for block in r.get("statusMessages") or []:
            texts = [str(m) for m in block.get("messages") or []]
            messages.extend(texts or ([str(block["title"])] if block.get("title") else []))
        episode = r.get("episode") or {}
        media = r.get("series") or r.get("movie") or {}
        return cls(
            id=int(r.get("id") or 0), download_id=str(r.get("downloadId") or ""), title=str(r.get("title") or ""),
            status=str(r.get("status") or "").lower(),
            tracked_status=str(r.get("trackedDownloadStatus") or "").lower(),
            tracked_state=str(r.get("trackedDownloadState") or ""),
            messages=messages, error_message=str(r.get("errorMessage") or ""),
            size=float(r.get("size") or 0), sizeleft=float(r.get("sizeleft") or 0),
            timeleft=r.get("timeleft"), added=r.get("added"), protocol=str(r.get("protocol") or ""),
            download_client=str(r.get("downloadClient") or ""), indexer=str(r.get("indexer") or ""),
            series_id=r.get("seriesId"), episode_id=r.get("episodeId"), season_number=r.get("seasonNumber"),
            episode_number=episode.get("episodeNumber"), episode_title=str(episode.get("title") or ""),
            movie_id=r.get("movieId"), media_title=str(media.get("title") or ""),
        )


def _paged(client: "ArrClient", path: str, page_size: int = PAGE_SIZE, **params):
    """Every record of a paged endpoint ({page, pageSize, totalRecords, records}), page by page."""
    page = 1
    while True:
        data = client.get(path, page=page, pageSize=page_size, **params)
        if not isinstance(data, dict):
            raise GatewayError(f"{client.service} answered an unexpected page for {path}.", permanent=True)
        records = data.get("records") or []
        yield from records
        total = int(data.get("totalRecords") or 0)
        if not records or page * page_size >= total:
            return
        page += 1


def _iso(value) -> str:
    from datetime import datetime, timezone

    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def _queue(self, page_size: int = PAGE_SIZE) -> list[QueueItem]:
    extra = ({"includeUnknownSeriesItems": "false", "includeSeries": "true", "includeEpisode": "true"}
             if self.service == "Sonarr" else {"includeUnknownMovieItems": "false", "includeMovie": "true"})
    return [QueueItem.from_record(r) for r in _paged(self, "queue", page_size, **extra)]


def _remove_from_queue(self, queue_id: int, *, blocklist: bool = True, skip_redownload: bool = True,
                       remove_from_client: bool = True) -> None:
    """Blocklisting publishes DownloadFailed; skipRedownload=true stops the *arr searching by
    itself, so the caller's own targeted search is the only one."""
    flag = lambda b: "true" if b else "false"  # noqa: E731
    self.request("DELETE", f"queue/{int(queue_id)}", params={
        "removeFromClient": flag(remove_from_client), "blocklist": flag(blocklist),
        "skipRedownload": flag(skip_redownload), "changeCategory": "false"})


def _history_since(self, since, event_type: int | None = None) -> list[dict]:
    """Every history record since `since` (not paged by the *arr), with the series/episode or movie
    embedded so no lookup per record is needed."""
    params = {"date": _iso(since)}
    params.update({"includeSeries": "true", "includeEpisode": "true"} if self.service == "Sonarr"
                  else {"includeMovie": "true"})
    if event_type is not None:
        params["eventType"] = event_type
    data = self.get("history/since", **params)
    return data if isinstance(data, list) else []


def _history(self, *, event_type: int | None = None, page_size: int = PAGE_SIZE, **filters) -> list[dict]:
    params = dict(filters, sortKey="date", sortDirection="descending")
    if event_type is not None:
        params["eventType"] = event_type
    return list(_paged(self, "history", page_size, **params))


def _calendar(self, start, end, *, unmonitored: bool = False) -> list[dict]:
    params = {"start": _iso(start), "end": _iso(end), "unmonitored": "true" if unmonitored else "false"}
    if self.service == "Sonarr":
        params["includeSeries"] = "true"
    data = self.get("calendar", **params)
    return data if isinstance(data, list) else []


def _command(self, name: str, **body) -> dict:
    data = self.request("POST", "command", json={"name": name, **body})
    return data if isinstance(data, dict) else {}


def _mark_history_failed(self, history_id: int) -> None:
    """Blocklist the release behind a 'grabbed' history record (the history page's Mark as failed)."""
    self.request("POST", f"history/failed/{int(history_id)}")


def _redownloads_failed(self) -> bool:
    """Whether the *arr searches again by itself after a release is marked failed."""
    data = self.get("config/downloadclient")
    return bool(isinstance(data, dict) and data.get("autoRedownloadFailed"))


ArrClient.queue = _queue
ArrClient.remove_from_queue = _remove_from_queue
ArrClient.history_since = _history_since
ArrClient.history = _history
ArrClient.calendar = _calendar
ArrClient.command = _command
ArrClient.mark_history_failed = _mark_history_failed
ArrClient.redownloads_failed = _redownloads_failed
