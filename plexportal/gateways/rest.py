"""What the Sonarr, Radarr and Seerr clients share: a JSON REST API behind an X-Api-Key header,
short timeouts, no redirects, and a circuit breaker per configured address.

A host that keeps timing out (or refusing) is skipped for a while: the next calls fail at once
with `Skipped`, which monitors record as "skipped: Sonarr did not answer the last 3 times…", so a
hung *arr costs a few timeouts, not one per monitor run, message or page view (lib/breaker.py).
"""
from __future__ import annotations

import time
from typing import Any, Protocol

import requests

from plexportal.gateways import wire
from plexportal.gateways.base import CheckResult, GatewayError, describe_exception, json_or_error, raise_for_status
from plexportal.gateways.wire import Json
from plexportal.lib import http
from plexportal.lib.breaker import Breaker

# Background calls: a healthy *arr answers in well under a second; one that takes longer than this
# is hung, and waiting longer only stalls the worker.
TIMEOUT = (3.0, 10.0)                 # connect, read
BREAKER = Breaker(failures=3, cooldown=300)


class Skipped(GatewayError):
    """The call was not made: the address did not answer the last few times (breaker open)."""


class Address(Protocol):
    """Where an API is and the key it takes (ArrSettings, SeerrSettings)."""
    url: str
    api_key: str


class RestClient:
    """One configured JSON API. `api_prefix` is the path under the base URL (e.g. "api/v3")."""

    service = "REST"
    api_prefix = ""

    def __init__(self, settings: Address, *, timeout: http.Timeout = TIMEOUT, retries: int = 1,
                 breaker: Breaker | None = BREAKER) -> None:
        if not settings.url:
            raise GatewayError(f"{self.service} is not configured (no URL).", permanent=True)
        self.base = settings.url.rstrip("/")
        self.breaker = breaker
        self.session = http.session(retries=retries, timeout=timeout)
        self.session.headers["X-Api-Key"] = settings.api_key or ""
        self.session.headers["Accept"] = "application/json"

    @classmethod
    def test_connection(cls, settings: Address) -> CheckResult:
        """The settings page's Test button: answers within a few seconds, never raises, and always
        really asks (no breaker: the admin wants to know now)."""
        try:
            client = cls(settings, timeout=http.CHECK_TIMEOUT, retries=0, breaker=None)
        except GatewayError as err:
            return CheckResult(False, err.message)
        return client.check()

    def check(self) -> CheckResult:
        raise NotImplementedError

    def url(self, path: str) -> str:
        return f"{self.base}/{self.api_prefix}/{path.lstrip('/')}"

    def send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Make the call (unless the breaker skips it); transport failures become GatewayError."""
        self._skip_if_open()
        try:
            response = self.session.request(method, self.url(path), allow_redirects=False, **kwargs)
        except Exception as err:  # noqa: BLE001 - every failure becomes a readable GatewayError
            error = describe_exception(err, self.service)
            if self.breaker is not None and not error.permanent:     # timed out, refused, unreachable
                self.breaker.failed(self.base)
            raise error from None
        if self.breaker is not None:
            self.breaker.succeeded(self.base)                         # it answered, whatever it said
        return response

    def request(self, method: str, path: str, **kwargs: Any) -> Json:
        """The decoded JSON answer (None for an empty one); GatewayError on a failure status."""
        response = self.send(method, path, **kwargs)
        raise_for_status(response, self.service)
        if response.status_code == 204 or not response.content:
            return None
        return json_or_error(response, self.service)

    def get(self, path: str, **params: Any) -> Json:
        return self.request("GET", path, params=params or None)

    def expect_object(self, data: Json, what: str) -> dict[str, Any]:
        """`data` when it is a JSON object; otherwise the address is not the API we expect."""
        if not isinstance(data, dict):
            raise GatewayError(f"{self.service} answered {what} with something unexpected: check the URL.",
                               permanent=True)
        return data

    def expect_list(self, data: Json, what: str) -> list[dict[str, Any]]:
        """The objects of a JSON array answer (anything in it that is not an object is skipped)."""
        if not isinstance(data, list):
            raise GatewayError(f"{self.service} answered {what} with something unexpected: check the URL.",
                               permanent=True)
        return wire.objects(data)

    def _skip_if_open(self) -> None:
        if self.breaker is None:
            return
        until = self.breaker.open_until(self.base)
        if until is not None:
            minutes = max(1, round((until - time.monotonic()) / 60))
            raise Skipped(f"skipped: {self.service} did not answer the last {self.breaker.failures} times; "
                          f"asked again in {minutes} min.")
