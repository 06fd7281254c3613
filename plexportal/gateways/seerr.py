"""Seerr (Overseerr / Jellyseerr) REST API, /api/v1 with X-Api-Key."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from plexportal.gateways.base import (CheckResult, GatewayError, describe_exception, json_or_error,
                                      raise_for_status, run_check)
from plexportal.lib import http

SERVICE = "Seerr"
SEARCH_POSTER = "https://image.tmdb.org/t/p/w92"
# Seerr's MediaStatus (server/constants/media.ts): 1 unknown, 2 pending, 3 processing,
# 4 partially available, 5 available. Anything else (Jellyseerr's blacklisted/deleted) shows nothing.
MEDIA_STATE = {2: "Requested / processing", 3: "Requested / processing", 4: "Partly available", 5: "Available"}


@dataclass
class SeerrSettings:
    url: str
    api_key: str


class SeerrClient:
    def __init__(self, settings: SeerrSettings, *, timeout=http.DEFAULT_TIMEOUT, retries: int = 2):
        if not settings.url:
            raise GatewayError("Seerr is not configured (no URL).", permanent=True)
        self.base = settings.url.rstrip("/")
        self.session = http.session(retries=retries, timeout=timeout)
        self.session.headers["X-Api-Key"] = settings.api_key or ""
        self.session.headers["Accept"] = "application/json"

    def request(self, method: str, path: str, *, as_user: int | None = None, **kwargs):
        headers = kwargs.pop("headers", {}) or {}
        if as_user is not None:
            headers["X-API-User"] = str(as_user)
        try:
            response = self.session.request(method, f"{self.base}/api/v1/{path.lstrip('/')}", headers=headers,
                                            allow_redirects=False, **kwargs)
        except Exception as err:  # noqa: BLE001
            raise describe_exception(err, SERVICE) from None
        raise_for_status(response, SERVICE)
        if response.status_code == 204 or not response.content:
            return None
        return json_or_error(response, SERVICE)

    def get(self, path: str, **params):
        return self.request("GET", path, params=params or None)

    def status(self) -> dict:
        data = self.get("status")
        if not isinstance(data, dict) or "version" not in data:
            raise GatewayError("That does not look like Seerr: check the URL.", permanent=True)
        return data

    def check(self) -> CheckResult:
        def probe():
            version = self.status().get("version", "")
            self.get("user", take=1)            # /status is public; this one proves the API key
            return f"Connected to Seerr {version}.", version
        return run_check(probe, SERVICE)


    # -- requests and users ------------------------------------------------------------------
    def pages(self, path: str, take: int = 100, on_page=None, **params):
        """Every result of a paged list (take/skip), never only the first page."""
        skip = 0
        while True:
            data = self.get(path, take=take, skip=skip, **params)
            if not isinstance(data, dict) or not isinstance(data.get("results"), list):
                raise GatewayError(f"Seerr answered {path} without a result list.")
            results = data["results"]
            info = data.get("pageInfo") if isinstance(data.get("pageInfo"), dict) else {}
            if on_page is not None:
                on_page(skip + len(results), int(info.get("results") or 0))
            yield from results
            skip += len(results)
            if not results or skip >= int(info.get("results") or 0):
                return

    def users(self, on_page=None):
        return self.pages("user", on_page=on_page)

    def requests(self, on_page=None):
        return self.pages("request", on_page=on_page, filter="all", sort="added")

    def details(self, media_type: str, tmdb_id: int) -> dict:
        data = self.get(f"{'tv' if media_type == 'tv' else 'movie'}/{int(tmdb_id)}")
        return data if isinstance(data, dict) else {}

    def search(self, query: str, page: int = 1) -> list[dict]:
        """Films and series matching `query` (people are dropped), as plain dicts:
        media_type, tmdb_id, title, year, poster_url, state."""
        # Encoded here, %20 for spaces: Seerr refuses some queries whose spaces arrive as '+'.
        url = f"{self.base}/api/v1/search?query={quote(query or '', safe='')}&page={max(1, int(page))}"
        try:
            response = self.session.get(url, allow_redirects=False)
        except Exception as err:  # noqa: BLE001
            raise describe_exception(err, SERVICE) from None
        if response.status_code == 400:
            reason = _reason(response)
            raise GatewayError(f"Seerr could not search{': ' + reason if reason else '.'}", permanent=True, status=400)
        raise_for_status(response, SERVICE)
        data = json_or_error(response, SERVICE)
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            raise GatewayError("Seerr answered the search without a result list.")
        return [title for title in map(_search_result, data["results"]) if title is not None]

    def create_request(self, media_type: str, tmdb_id: int, *, as_user: int, seasons="all") -> dict:
        """Create a request in Seerr as that user (X-API-User), so it counts against their quota."""
        body = {"mediaType": media_type, "mediaId": int(tmdb_id)}
        if media_type == "tv":
            body["seasons"] = seasons
        try:
            response = self.session.post(f"{self.base}/api/v1/request", json=body, allow_redirects=False,
                                         headers={"X-API-User": str(int(as_user))})
        except Exception as err:  # noqa: BLE001
            raise describe_exception(err, SERVICE) from None
        if response.status_code in (400, 403, 409):
            # Seerr explains quota, duplicate and permission refusals in "message"; show it.
            reason = _reason(response)
            raise GatewayError(f"Seerr refused the request ({response.status_code}){': ' + reason if reason else '.'}",
                               permanent=True, status=response.status_code)
        raise_for_status(response, SERVICE)
        data = json_or_error(response, SERVICE)
        if not isinstance(data, dict) or "id" not in data:
            raise GatewayError("Seerr did not return the new request.")
        return data


def _reason(response) -> str:
    """Seerr's own explanation of a refusal ("message", or "error"), short, with one final full stop."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    reason = str(body.get("message") or body.get("error") or "").strip()[:200]
    return reason if not reason or reason.endswith((".", "!", "?")) else reason + "."


def _search_result(r) -> dict | None:
    if not isinstance(r, dict) or r.get("mediaType") not in ("movie", "tv"):
        return None                                     # people (and any other kind) cannot be requested
    tmdb_id = r.get("id")
    if not isinstance(tmdb_id, int) or isinstance(tmdb_id, bool) or tmdb_id <= 0:
        return None
    movie = r["mediaType"] == "movie"
    title = r.get("title") if movie else r.get("name")
    title = title or (r.get("originalTitle") if movie else r.get("originalName")) or ""
    date = r.get("releaseDate") if movie else r.get("firstAirDate")
    date = date if isinstance(date, str) else ""
    poster = r.get("posterPath")
    info = r.get("mediaInfo") if isinstance(r.get("mediaInfo"), dict) else {}
    return {"media_type": r["mediaType"], "tmdb_id": tmdb_id, "title": str(title)[:300] or f"TMDB {tmdb_id}",
            "year": int(date[:4]) if date[:4].isdigit() else None,
            "poster_url": SEARCH_POSTER + poster if isinstance(poster, str) and poster.startswith("/") else "",
            "state": MEDIA_STATE.get(info.get("status"), "")}


def client(**kwargs) -> SeerrClient:
    from plexportal.settings import service as settings

    return SeerrClient(SeerrSettings(settings.get("SEERR_URL"), settings.get("SEERR_API_KEY")), **kwargs)


def check(url: str, api_key: str) -> CheckResult:
    try:
        return SeerrClient(SeerrSettings(url, api_key), timeout=http.CHECK_TIMEOUT, retries=0).check()
    except GatewayError as err:
        return CheckResult(False, err.message)


# -- health monitors: reported issues -------------------------------------------------------------
# Both calls come back to us as ISSUE_COMMENT / ISSUE_RESOLVED webhooks (the loop guard's job).

def _comment_issue(self, issue_id: int, message: str) -> dict:
    data = self.request("POST", f"issue/{int(issue_id)}/comment", json={"message": message})
    return data if isinstance(data, dict) else {}


def _resolve_issue(self, issue_id: int) -> dict:
    data = self.request("POST", f"issue/{int(issue_id)}/resolved")
    return data if isinstance(data, dict) else {}


def _issue(self, issue_id: int) -> dict:
    data = self.get(f"issue/{int(issue_id)}")
    return data if isinstance(data, dict) else {}


def _requests(self, filter: str = "processing", take: int = 100) -> list[dict]:  # noqa: A002
    """Every request matching `filter`, every page."""
    return list(self.pages("request", take=take, filter=filter))


SeerrClient.comment_issue = _comment_issue
SeerrClient.resolve_issue = _resolve_issue
SeerrClient.issue = _issue
SeerrClient.requests_by_filter = _requests
