"""Plex Media Server. The only module that imports plexapi (DESIGN law 6), in the methods that use it:
about 4 MB that a process which never talks to Plex (a command, the worker's other tasks) does not load."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import Element  # nosec B405 # a type only; plexapi parses

from plexportal.gateways.base import CheckResult, GatewayError, describe_exception, run_check
from plexportal.lib import http

if TYPE_CHECKING:
    from plexapi.server import PlexServer

SERVICE = "Plex"


@dataclass
class PlexSettings:
    url: str
    token: str


@dataclass
class ServerInfo:
    name: str
    version: str
    machine_identifier: str


# -- library lookup by external ids (never by title: DESIGN law 5) -----------------------------

PAGE_SIZE = 200
WEB_URL = "https://app.plex.tv/desktop#!/server/{machine}/details?key=%2Flibrary%2Fmetadata%2F{key}"
_LEGACY = {"com.plexapp.agents.themoviedb": "tmdb", "com.plexapp.agents.thetvdb": "tvdb",
           "com.plexapp.agents.imdb": "imdb"}


@dataclass
class LibraryItem:
    rating_key: str
    title: str
    machine_identifier: str
    episodes: dict[tuple[int, int], str]    # {(season, episode): ratingKey} for shows, {} for films

    @property
    def web_url(self) -> str:
        return WEB_URL.format(machine=self.machine_identifier, key=self.rating_key)

    def episode_url(self, season: int, episode: int) -> str:
        return WEB_URL.format(machine=self.machine_identifier, key=self.episodes[(season, episode)])


def _guids(element: Element) -> set[str]:
    """External ids of a library item as 'tmdb://123', from Guid tags and a legacy agent guid."""
    out = {g.attrib.get("id", "") for g in element.findall("Guid")}
    legacy = element.attrib.get("guid", "")
    agent, _, rest = legacy.partition("://")
    if agent in _LEGACY and rest:
        out.add(f"{_LEGACY[agent]}://{rest.split('?')[0]}")
    return {g for g in out if g}


def _status_of(err: Exception) -> int | None:
    """The HTTP status plexapi puts at the start of its error text: '(503) service_unavailable; …'."""
    match = re.match(r"\((\d{3})\)", str(err))
    return int(match.group(1)) if match else None


# -- libraries (invites) ---------------------------------------------------------------------

@dataclass
class Library:
    key: str          # the server's local section key; plex.tv's global id comes from gateways.plextv
    title: str
    type: str


class PlexClient:
    """One Plex Media Server, through plexapi (connected on first use, once)."""

    def __init__(self, settings: PlexSettings, *, timeout: float = 15, retries: int = 1) -> None:
        if not settings.url:
            raise GatewayError("Plex is not configured (no URL).", permanent=True)
        self.settings = settings
        self.timeout = timeout
        self.retries = retries
        self._server: PlexServer | None = None

    @property
    def server(self) -> PlexServer:
        if self._server is None:
            self._server = self._connect()
        return self._server

    def _connect(self) -> PlexServer:
        from plexapi.exceptions import BadRequest, NotFound, Unauthorized
        from plexapi.server import PlexServer

        try:
            return PlexServer(self.settings.url.rstrip("/"), self.settings.token or None,  # type: ignore[no-untyped-call]
                              session=http.session(retries=self.retries), timeout=self.timeout)
        except Unauthorized:
            raise GatewayError("Plex rejected the token (401): copy the X-Plex-Token again.", permanent=True,
                               status=401) from None
        except NotFound:
            raise GatewayError("Plex answered 404 Not Found: check the URL.", permanent=True, status=404) from None
        except BadRequest as err:
            status = _status_of(err)
            if status is not None and 300 <= status < 400:     # a redirect plexapi may not follow (lib/http)
                raise GatewayError("Plex answered with a redirect; plexportal does not follow redirects with the "
                                   "token: enter the final address (http:// or https://, the right port).",
                                   permanent=True, status=status) from None
            if status is not None and (status >= 500 or status == 429):
                # A server that is starting, updating or overloaded: worth asking again later.
                raise GatewayError(f"Plex is not answering normally ({status}); will retry.", status=status) from None
            raise GatewayError(f"Plex refused the request: {str(err)[:80]}", permanent=True, status=status) from None
        except Exception as err:  # noqa: BLE001
            raise describe_exception(err, SERVICE) from None

    def info(self) -> ServerInfo:
        server = self.server
        return ServerInfo(server.friendlyName, server.version, server.machineIdentifier)

    def check(self) -> CheckResult:
        def probe() -> tuple[str, str]:
            info = self.info()
            return f"Connected to {info.name} (Plex {info.version}).", info.version
        return run_check(probe, SERVICE)

    # -- library lookup by external ids (never by title: DESIGN law 5) -------------------------
    def find_item(self, media_type: str, ids: dict[str, object]) -> LibraryItem | None:
        """The library item carrying one of these ids (tmdb/tvdb/imdb), with its episodes for a show.
        Sweeps each matching section with includeGuids=1, page by page (a guid= filter only works
        for plex:// guids)."""
        wanted = {f"{name}://{value}" for name, value in ids.items() if value}
        if not wanted:
            return None
        section_type = "show" if media_type == "tv" else "movie"
        sections = self._query("/library/sections")
        for section in (sections.findall("Directory") if sections is not None else []):
            if section.attrib.get("type") == section_type:
                found = self._find_in_section(section.attrib.get("key", ""), wanted, media_type)
                if found is not None:
                    return found
        return None

    def _find_in_section(self, section_key: str, wanted: set[str], media_type: str) -> LibraryItem | None:
        start = 0
        while True:
            page = self._query(f"/library/sections/{section_key}/all", includeGuids=1,
                               **{"X-Plex-Container-Start": start, "X-Plex-Container-Size": PAGE_SIZE})
            children = [c for c in (page if page is not None else []) if c.tag in ("Video", "Directory")]
            for child in children:
                if _guids(child) & wanted:
                    key = child.attrib.get("ratingKey", "")
                    return LibraryItem(key, child.attrib.get("title", ""), self.server.machineIdentifier,
                                       self._episodes(key) if media_type == "tv" else {})
            total = int((page.attrib.get("totalSize") or page.attrib.get("size") or 0) if page is not None else 0)
            start += len(children)
            if not children or start >= total:
                return None

    def _episodes(self, show_key: str) -> dict[tuple[int, int], str]:
        leaves = self._query(f"/library/metadata/{show_key}/allLeaves")
        out = {}
        for ep in (leaves.findall("Video") if leaves is not None else []):
            try:
                out[(int(ep.attrib.get("parentIndex", "")), int(ep.attrib.get("index", "")))] = \
                    ep.attrib.get("ratingKey", "")
            except (TypeError, ValueError):
                continue
        return out

    def _query(self, key: str, **params: Any) -> Element | None:
        from plexapi.exceptions import BadRequest, NotFound, Unauthorized

        try:
            answer: Element | None = self.server.query(key, params=params or None)  # type: ignore[no-untyped-call]
            return answer
        except Unauthorized:
            raise GatewayError("Plex rejected the token (401).", permanent=True, status=401) from None
        except (NotFound, BadRequest) as err:
            raise GatewayError(f"Plex could not answer {key}: {str(err)[:80]}") from None
        except GatewayError:
            raise
        except Exception as err:  # noqa: BLE001
            raise describe_exception(err, SERVICE) from None

    # -- libraries (invites) -------------------------------------------------------------------
    def libraries(self) -> tuple[ServerInfo, list[Library]]:
        """The server's identity and its library sections (one connection, one sections call)."""
        from plexapi.exceptions import Unauthorized

        server = self.server
        try:
            sections = server.library.sections()
        except Unauthorized:
            raise GatewayError("Plex rejected the token (401).", permanent=True, status=401) from None
        except Exception as err:  # noqa: BLE001
            raise describe_exception(err, SERVICE) from None
        return self.info(), [Library(str(s.key), s.title, s.type) for s in sections]


# -- entry points -----------------------------------------------------------------------------------

def settings_from_store() -> PlexSettings:
    from plexportal.settings import service as settings

    return PlexSettings(settings.get("PLEX_URL"), settings.get("PLEX_TOKEN"))


def server_info(settings: PlexSettings, **kwargs: Any) -> ServerInfo:
    return PlexClient(settings, **kwargs).info()


def check(url: str, token: str) -> CheckResult:
    """The settings page's Test button: a few seconds, no retries, never raises."""
    try:
        return PlexClient(PlexSettings(url, token), timeout=5, retries=0).check()
    except GatewayError as err:
        return CheckResult(False, err.message)


def find_item(settings: PlexSettings, media_type: str, ids: dict[str, object], *,
              timeout: float = 10) -> LibraryItem | None:
    # Short and without retries: this runs while messages wait (the caller retries later).
    if not any(ids.values()):
        return None
    return PlexClient(settings, timeout=timeout, retries=0).find_item(media_type, ids)


def list_libraries(settings: PlexSettings, **kwargs: Any) -> tuple[ServerInfo, list[Library]]:
    return PlexClient(settings, **kwargs).libraries()
