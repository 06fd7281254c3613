"""Seerr (Overseerr / Jellyseerr) REST API, /api/v1 with X-Api-Key (../shared/reference/webhooks.md §3.4).

The only module that knows Seerr's keys and numeric enums. Resources: `SeerrStatus`, `SeerrUser`,
`SeerrRequest`, `SeerrTitle` (a search result), `TitleDetails` (a film's or series' page) and
`SeerrIssue`.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests

from plexportal.gateways import wire
from plexportal.gateways.base import CheckResult, GatewayError, json_or_error, raise_for_status, run_check
from plexportal.gateways.rest import RestClient

SERVICE = "Seerr"
SEARCH_POSTER = "https://image.tmdb.org/t/p/w92"
POSTER = "https://image.tmdb.org/t/p/w600_and_h900_bestv2"
# REST enums are numbers (§3.4). MediaRequestStatus: Seerr 3.x adds COMPLETED=5.
REQUEST_STATUS = {1: "pending", 2: "approved", 3: "declined", 4: "failed", 5: "completed"}
# MediaStatus: Jellyseerr's 6 is BLACKLISTED, Seerr's 6/7 BLOCKLISTED/DELETED.
MEDIA_STATUS = {1: "unknown", 2: "pending", 3: "processing", 4: "partially_available", 5: "available",
                6: "blocklisted", 7: "deleted"}
ISSUE_TYPE = {1: "video", 2: "audio", 3: "subtitles", 4: "other"}
ISSUE_STATUS = {1: "open", 2: "resolved"}
# What a search result says Seerr already has; anything else shows nothing.
MEDIA_STATE = {"pending": "Requested / processing", "processing": "Requested / processing",
               "partially_available": "Partly available", "available": "Available"}

Progress = Callable[[int, int], None]          # (records read so far, total Seerr reports)


@dataclass
class SeerrSettings:
    url: str
    api_key: str


@dataclass
class SeerrStatus:
    version: str


def _positive(value: object) -> int | None:
    number = wire.integer(value)
    return number if number is not None and number > 0 else None


@dataclass
class SeerrUser:
    id: int | None
    email: str = ""
    display_name: str = ""              # displayName, else username, else plexUsername
    plex_id: int | None = None          # hidden unless the key's owner has MANAGE_USERS (the admin does)
    avatar: str = ""
    jellyfin_id: str | None = None      # a Jellyfin user's id, read from their avatar path (below)

    @classmethod
    def from_wire(cls, u: dict[str, Any]) -> SeerrUser:
        name = wire.text(u.get("displayName")) or wire.text(u.get("username")) or wire.text(u.get("plexUsername"))
        avatar = wire.text(u.get("avatar"))
        return cls(id=_positive(u.get("id")), email=wire.text(u.get("email")), display_name=name,
                   plex_id=_positive(u.get("plexId")), avatar=avatar,
                   jellyfin_id=_jellyfin_id(wire.integer(u.get("userType")), avatar))


USER_TYPE_JELLYFIN = 3
_AVATAR_PROXY = re.compile(r"/avatarproxy/([0-9A-Za-z-]{1,64})(?:[?#]|$)")


def _jellyfin_id(user_type: int | None, avatar: str) -> str | None:
    """Seerr gives a Jellyfin user (userType 3) the avatar path `/avatarproxy/<jellyfinUserId>?v=…`;
    that path is the only place its user list names the Jellyfin account."""
    if user_type != USER_TYPE_JELLYFIN:
        return None
    found = _AVATAR_PROXY.match(avatar)
    return found.group(1).replace("-", "").lower() if found else None


@dataclass
class SeerrRequest:
    id: int | None
    status: str                          # pending | approved | declined | failed | completed | unknown
    media_type: str                      # movie | tv (anything else: not a request we understand)
    tmdb_id: int | None
    tvdb_id: int | None = None
    imdb_id: str | None = None
    media_status: str = "unknown"        # MEDIA_STATUS names: … processing, partially_available, available
    seasons: list[int] = field(default_factory=list)
    requested_by: SeerrUser | None = None
    is_4k: bool = False

    @classmethod
    def from_wire(cls, r: dict[str, Any]) -> SeerrRequest:
        media = wire.obj(r.get("media"))
        by = r.get("requestedBy")
        return cls(id=_positive(r.get("id")), status=REQUEST_STATUS.get(wire.integer(r.get("status")) or 0, "unknown"),
                   media_type=wire.text(r.get("type")) or wire.text(media.get("mediaType")),
                   tmdb_id=_positive(media.get("tmdbId")), tvdb_id=_positive(media.get("tvdbId")),
                   imdb_id=wire.optional_text(media.get("imdbId")),
                   media_status=MEDIA_STATUS.get(wire.integer(media.get("status")) or 0, "unknown"),
                   seasons=sorted({n for s in wire.objects(r.get("seasons"))
                                   if (n := wire.integer(s.get("seasonNumber"))) is not None}),
                   requested_by=SeerrUser.from_wire(by) if isinstance(by, dict) else None,
                   is_4k=wire.flag(r.get("is4k")))


@dataclass
class SeerrTitle:
    """A film or series from a search (people are dropped: they cannot be requested)."""
    media_type: str
    tmdb_id: int
    title: str
    year: int | None
    poster_url: str
    state: str                           # what Seerr already has, in words ("" for nothing)

    @property
    def ref(self) -> str:
        """"movie:550123": how a picked title travels in a form."""
        return f"{self.media_type}:{self.tmdb_id}"

    @classmethod
    def from_wire(cls, r: object) -> SeerrTitle | None:
        if not isinstance(r, dict) or r.get("mediaType") not in ("movie", "tv"):
            return None
        tmdb_id = _positive(r.get("id"))
        if tmdb_id is None or not isinstance(r.get("id"), int):
            return None
        movie = r["mediaType"] == "movie"
        title = wire.text(r.get("title" if movie else "name")) or wire.text(
            r.get("originalTitle" if movie else "originalName"))
        date = wire.text(r.get("releaseDate" if movie else "firstAirDate"))
        poster = wire.text(r.get("posterPath"))
        status = MEDIA_STATUS.get(wire.integer(wire.obj(r.get("mediaInfo")).get("status")) or 0, "")
        return cls(media_type=r["mediaType"], tmdb_id=tmdb_id, title=title[:300] or f"TMDB {tmdb_id}",
                   year=int(date[:4]) if date[:4].isdigit() else None,
                   poster_url=SEARCH_POSTER + poster if poster.startswith("/") else "",
                   state=MEDIA_STATE.get(status, ""))


@dataclass
class TitleDetails:
    """A film's or series' page (TMDB data as Seerr serves it); empty when Seerr has none."""
    title: str = ""
    year: int | None = None
    poster_url: str = ""
    overview: str = ""
    imdb_id: str | None = None
    tvdb_id: int | None = None

    @classmethod
    def from_wire(cls, d: dict[str, Any]) -> TitleDetails:
        date = wire.text(d.get("releaseDate")) or wire.text(d.get("firstAirDate"))
        ext = wire.obj(d.get("externalIds"))
        poster = wire.text(d.get("posterPath"))
        return cls(title=(wire.text(d.get("title")) or wire.text(d.get("name")))[:300],
                   year=int(date[:4]) if date[:4].isdigit() else None,
                   poster_url=POSTER + poster if poster.startswith("/") else "",
                   overview=wire.text(d.get("overview"))[:2000], imdb_id=wire.optional_text(ext.get("imdbId")),
                   tvdb_id=_positive(ext.get("tvdbId")))


@dataclass
class SeerrIssue:
    id: int | None
    issue_type: str                      # video | audio | subtitles | other
    status: str                          # open | resolved
    problem_season: int = 0
    problem_episode: int = 0
    media_type: str = ""
    tmdb_id: int | None = None
    tvdb_id: int | None = None
    comments: list[str] = field(default_factory=list)

    @classmethod
    def from_wire(cls, i: dict[str, Any]) -> SeerrIssue:
        media = wire.obj(i.get("media"))
        return cls(id=_positive(i.get("id")), issue_type=ISSUE_TYPE.get(wire.integer(i.get("issueType")) or 0, "other"),
                   status=ISSUE_STATUS.get(wire.integer(i.get("status")) or 0, "open"),
                   problem_season=wire.integer(i.get("problemSeason")) or 0,
                   problem_episode=wire.integer(i.get("problemEpisode")) or 0,
                   media_type=wire.text(media.get("mediaType")), tmdb_id=_positive(media.get("tmdbId")),
                   tvdb_id=_positive(media.get("tvdbId")),
                   comments=[wire.text(c.get("message")) for c in wire.objects(i.get("comments"))])


class RequestGone(GatewayError):
    """Seerr answered that the request does not exist (deleted, or never there)."""


class SeerrClient(RestClient):
    service = SERVICE
    api_prefix = "api/v1"

    # -- connection ------------------------------------------------------------------------------
    def status(self) -> SeerrStatus:
        data = self.get("status")
        if not isinstance(data, dict) or "version" not in data:
            raise GatewayError("That does not look like Seerr: check the URL.", permanent=True)
        return SeerrStatus(version=wire.text(data.get("version")))

    def check(self) -> CheckResult:
        def probe() -> tuple[str, str]:
            version = self.status().version
            self.get("user", take=1)            # /status is public; this one proves the API key
            return f"Connected to Seerr {version}.", version
        return run_check(probe, SERVICE)

    # -- users and requests ----------------------------------------------------------------------
    def pages(self, path: str, take: int = 100, on_page: Progress | None = None,
              **params: Any) -> Iterator[dict[str, Any]]:
        """Every result of a paged list (take/skip, pageInfo.results = the total), never only the first page."""
        skip = 0
        while True:
            data = self.get(path, take=take, skip=skip, **params)
            if not isinstance(data, dict) or not isinstance(data.get("results"), list):
                raise GatewayError(f"Seerr answered {path} without a result list.", permanent=True)
            results = data["results"]
            total = wire.integer(wire.obj(data.get("pageInfo")).get("results")) or 0
            if on_page is not None:
                on_page(skip + len(results), total)
            yield from wire.objects(results)
            skip += len(results)
            if not results or skip >= total:
                return

    def users(self, on_page: Progress | None = None) -> Iterator[SeerrUser]:
        return (SeerrUser.from_wire(u) for u in self.pages("user", on_page=on_page))

    def requests(self, on_page: Progress | None = None) -> Iterator[SeerrRequest]:
        """Every request, oldest first, read page by page as the caller goes."""
        return (SeerrRequest.from_wire(r) for r in self.pages("request", on_page=on_page, filter="all", sort="added"))

    def requests_by_filter(self, filter: str = "processing", take: int = 100) -> list[SeerrRequest]:
        """Every request matching Seerr's `filter` (all, approved, processing, …), every page."""
        return [SeerrRequest.from_wire(r) for r in self.pages("request", take=take, filter=filter)]

    def details(self, media_type: str, tmdb_id: int) -> TitleDetails:
        return TitleDetails.from_wire(self.expect_object(self.get(f"{'tv' if media_type == 'tv' else 'movie'}/{int(tmdb_id)}"),
                                                      "the title's details"))

    def search(self, query: str, page: int = 1) -> list[SeerrTitle]:
        """Films and series matching `query` (people are dropped)."""
        # Encoded here, %20 for spaces: Seerr refuses some queries whose spaces arrive as '+'.
        response = self.send("GET", f"search?query={quote(query or '', safe='')}&page={max(1, int(page))}")
        if response.status_code == 400:
            reason = _reason(response)
            raise GatewayError(f"Seerr could not search{': ' + reason if reason else '.'}", permanent=True, status=400)
        raise_for_status(response, SERVICE)
        data = json_or_error(response, SERVICE)
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            raise GatewayError("Seerr answered the search without a result list.", permanent=True)
        return [title for title in map(SeerrTitle.from_wire, data["results"]) if title is not None]

    def create_request(self, media_type: str, tmdb_id: int, *, as_user: int, seasons: str | list[int] = "all"
                       ) -> SeerrRequest:
        """Create a request in Seerr as that user (X-API-User), so it counts against their quota."""
        body: dict[str, Any] = {"mediaType": media_type, "mediaId": int(tmdb_id)}
        if media_type == "tv":
            body["seasons"] = seasons
        response = self.send("POST", "request", json=body, headers={"X-API-User": str(int(as_user))})
        if response.status_code in (400, 403, 409):
            # Seerr explains quota, duplicate and permission refusals in "message"; show it.
            reason = _reason(response)
            raise GatewayError(f"Seerr refused the request ({response.status_code}){': ' + reason if reason else '.'}",
                               permanent=True, status=response.status_code)
        raise_for_status(response, SERVICE)
        data = json_or_error(response, SERVICE)
        if not isinstance(data, dict) or "id" not in data:
            raise GatewayError("Seerr did not return the new request.", permanent=True)
        return SeerrRequest.from_wire(data)

    def decide_request(self, request_id: int, decision: str) -> SeerrRequest:
        """Approve or decline a pending request (POST /request/{id}/approve|decline, as the API
        key's owner). Seerr fires MEDIA_APPROVED / MEDIA_DECLINED back to the webhook. A request
        Seerr no longer has raises RequestGone."""
        if decision not in ("approve", "decline"):
            raise ValueError(f"not a decision: {decision!r}")
        response = self.send("POST", f"request/{int(request_id)}/{decision}")
        if response.status_code == 404 and "not found" in _reason(response).lower():
            raise RequestGone("Seerr no longer has this request.", permanent=True, status=404)
        raise_for_status(response, SERVICE)
        return SeerrRequest.from_wire(self.expect_object(json_or_error(response, SERVICE), "the decision"))

    # -- reported issues -------------------------------------------------------------------------
    # Both calls come back to us as ISSUE_COMMENT / ISSUE_RESOLVED webhooks (the loop guard's job).
    def issue(self, issue_id: int) -> SeerrIssue:
        return SeerrIssue.from_wire(self.expect_object(self.get(f"issue/{int(issue_id)}"), "the issue"))

    def comment_issue(self, issue_id: int, message: str) -> SeerrIssue:
        data = self.request("POST", f"issue/{int(issue_id)}/comment", json={"message": message})
        return SeerrIssue.from_wire(self.expect_object(data, "the comment"))

    def resolve_issue(self, issue_id: int) -> SeerrIssue:
        return SeerrIssue.from_wire(self.expect_object(self.request("POST", f"issue/{int(issue_id)}/resolved"),
                                                      "the resolution"))


def _reason(response: requests.Response) -> str:
    """Seerr's own explanation of a refusal ("message", or "error"), short, with one final full stop."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    reason = (wire.text(body.get("message")) or wire.text(body.get("error"))).strip()[:200]
    return reason if not reason or reason.endswith((".", "!", "?")) else reason + "."


def client(**kwargs: Any) -> SeerrClient:
    from plexportal.settings import service as settings

    return SeerrClient(SeerrSettings(settings.get("SEERR_URL"), settings.get("SEERR_API_KEY")), **kwargs)


def check(url: str, api_key: str) -> CheckResult:
    return SeerrClient.test_connection(SeerrSettings(url, api_key))
