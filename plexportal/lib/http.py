"""The one requests.Session factory (DESIGN law 6): timeouts, User-Agent, retries on idempotent calls,
and no redirects.

Gateways call `session()` and pass `timeout=` themselves only to shorten it (Test buttons).
Redirects are never followed (DESIGN law 11): every call carries an API key or token, and a
redirect would take it to an address it was not stored for. A 3xx comes back as the answer.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from plexportal import __version__

Timeout = float | tuple[float, float]          # seconds, or (connect, read)
DEFAULT_TIMEOUT = (4.0, 15.0)      # connect, read
CHECK_TIMEOUT = (3.0, 5.0)         # the wizard's "Test connection" answers within a few seconds
USER_AGENT = f"plexportal/{__version__}"


class _TimeoutAdapter(HTTPAdapter):
    def __init__(self, *args: Any, timeout: Timeout = DEFAULT_TIMEOUT, **kwargs: Any) -> None:
        self._timeout = timeout
        super().__init__(*args, **kwargs)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        return super().send(request, *args, **kwargs)


class NoRedirectSession(requests.Session):
    """A Session that never follows a redirect, whatever the caller (plexapi included) asks."""

    def request(self, method: str | bytes, url: str | bytes, *args: Any,
                **kwargs: Any) -> requests.Response:
        kwargs["allow_redirects"] = False
        return super().request(method, url, *args, **kwargs)

    def resolve_redirects(self, resp: requests.Response, req: requests.PreparedRequest, *args: Any,
                          **kwargs: Any) -> Iterator[requests.Response]:
        return iter(())          # belt and braces: send(..., allow_redirects=True) follows nothing either


def session(*, retries: int = 2, timeout: Timeout = DEFAULT_TIMEOUT) -> requests.Session:
    """A session that retries idempotent requests on connection errors and 502/503/504."""
    retry = Retry(
        total=retries, connect=retries, read=retries, status=retries,
        backoff_factor=0.3, status_forcelist=(502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}),
        raise_on_status=False, respect_retry_after_header=False,
    )
    s = NoRedirectSession()
    adapter = _TimeoutAdapter(max_retries=retry, timeout=timeout)
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    s.headers["User-Agent"] = USER_AGENT
    s.max_redirects = 0
    return s
