"""Jellyfin REST API (Authorization: MediaBrowser Token="…")."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from plexportal.gateways.base import (
    CheckResult,
    GatewayError,
    describe_exception,
    json_or_error,
    raise_for_status,
    run_check,
)
from plexportal.lib import http

SERVICE = "Jellyfin"


@dataclass
class JellyfinSettings:
    url: str
    api_key: str


# -- library lookup by provider ids ---------------------------------------------------------------
# Jellyfin has no provider-id filter on /Items (AnyProviderIdEquals is Emby's and is silently
# ignored, returning an unfiltered list), so we page through and compare ProviderIds ourselves.

PAGE_SIZE = 500
_PROVIDERS = {"tmdb": "Tmdb", "tvdb": "Tvdb", "imdb": "Imdb"}


@dataclass
class JellyfinItem:
    item_id: str
    title: str
    web_url: str
    episodes: dict[tuple[int, int], str]    # {(season, episode): item id}




class JellyfinClient:
    def __init__(self, settings: JellyfinSettings, *, timeout: http.Timeout = http.DEFAULT_TIMEOUT,
                 retries: int = 2) -> None:
        if not settings.url:
            raise GatewayError("Jellyfin is not configured (no URL).", permanent=True)
        self.base = settings.url.rstrip("/")
        self.session = http.session(retries=retries, timeout=timeout)
        self.session.headers["Authorization"] = f'MediaBrowser Token="{settings.api_key or ""}"'
        self.session.headers["Accept"] = "application/json"

    def get(self, path: str, **params: Any) -> Any:
        try:
            response = self.session.get(f"{self.base}/{path.lstrip('/')}", params=params or None,
                                        allow_redirects=False)
        except Exception as err:  # noqa: BLE001
            raise describe_exception(err, SERVICE) from None
        raise_for_status(response, SERVICE)
        return json_or_error(response, SERVICE)

    def public_info(self) -> dict[str, Any]:
        data = self.get("System/Info/Public")
        if not isinstance(data, dict) or "Id" not in data:
            raise GatewayError("That does not look like Jellyfin: check the URL.", permanent=True)
        return data

    def check(self) -> CheckResult:
        def probe() -> tuple[str, str]:
            info = self.get("System/Info")     # needs the key, unlike /System/Info/Public
            return f"Connected to {info.get('ServerName', 'Jellyfin')} (Jellyfin {info.get('Version', '?')}).", \
                info.get("Version", "")
        return run_check(probe, SERVICE)


    # -- library lookup by provider ids ---------------------------------------------------------
    def find_item(self, media_type: str, ids: dict[str, object]) -> JellyfinItem | None:
        """The series or film carrying one of these ids (tmdb/tvdb/imdb), with its episodes."""
        wanted = {(_PROVIDERS[k], str(v)) for k, v in ids.items() if v and k in _PROVIDERS}
        if not wanted:
            return None
        server_id = str(self.public_info().get("Id", ""))
        kind = "Series" if media_type == "tv" else "Movie"
        start = 0
        while True:
            page = self.get("Items", Recursive="true", IncludeItemTypes=kind, Fields="ProviderIds", StartIndex=start,
                            Limit=PAGE_SIZE)
            items = page.get("Items") if isinstance(page, dict) else None
            if not isinstance(items, list):
                raise GatewayError("Jellyfin answered /Items without an item list.")
            for item in items:
                if _has_provider_id(item, kind, wanted):
                    item_id = str(item.get("Id", ""))
                    url = f"{self.base}/web/index.html#!/details?id={item_id}&context=home&serverId={server_id}"
                    return JellyfinItem(item_id, str(item.get("Name", "")), url,
                                        self._episodes(item_id) if media_type == "tv" else {})
            start += len(items)
            if not items or start >= int(page.get("TotalRecordCount") or 0):
                return None

    def _episodes(self, series_id: str) -> dict[tuple[int, int], str]:
        data = self.get(f"Shows/{series_id}/Episodes")
        out = {}
        for ep in (data.get("Items") or []) if isinstance(data, dict) else []:
            season, number = ep.get("ParentIndexNumber"), ep.get("IndexNumber")
            if isinstance(season, int) and isinstance(number, int):
                out[(season, number)] = str(ep.get("Id", ""))
        return out


def client(**kwargs: Any) -> JellyfinClient:
    from plexportal.settings import service as settings

    return JellyfinClient(JellyfinSettings(settings.get("JELLYFIN_URL"), settings.get("JELLYFIN_API_KEY")), **kwargs)


def check(url: str, api_key: str) -> CheckResult:
    try:
        return JellyfinClient(JellyfinSettings(url, api_key), timeout=http.CHECK_TIMEOUT, retries=0).check()
    except GatewayError as err:
        return CheckResult(False, err.message)



def _has_provider_id(item: object, kind: str, wanted: set[tuple[str, str]]) -> bool:
    if not isinstance(item, dict) or item.get("Type") != kind:
        return False
    providers = item.get("ProviderIds")
    return isinstance(providers, dict) and bool({(k, str(v)) for k, v in providers.items()} & wanted)


def find_item(settings: JellyfinSettings, media_type: str, ids: dict[str, object], *,
              timeout: http.Timeout = (3.0, 10.0)) -> JellyfinItem | None:
    if not any(v and k in _PROVIDERS for k, v in ids.items()):
        return None
    return JellyfinClient(settings, retries=0, timeout=timeout).find_item(media_type, ids)
