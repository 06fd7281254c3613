"""Seerr (Overseerr / Jellyseerr) REST API, /api/v1 with X-Api-Key."""
from __future__ import annotations

from dataclasses import dataclass

from plexportal.gateways.base import (CheckResult, GatewayError, describe_exception, json_or_error,
                                      raise_for_status, run_check)
from plexportal.lib import http

SERVICE = "Seerr"


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
            try:
                reason = str((response.json() or {}).get("message") or (response.json() or {}).get("error") or "")
            except ValueError:
                reason = ""
            raise GatewayError(f"Seerr refused the request ({response.status_code}){': ' + reason[:200] if reason else ''}.",
                               permanent=True, status=response.status_code)
        raise_for_status(response, SERVICE)
        data = json_or_error(response, SERVICE)
        if not isinstance(data, dict) or "id" not in data:
            raise GatewayError("Seerr did not return the new request.")
        return data


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
