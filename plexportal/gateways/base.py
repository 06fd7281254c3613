"""What every gateway shares: GatewayError, the Test-connection result, and turning transport
failures into sentences an admin can act on (never a stack trace, never the upstream body)."""
from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree  # nosec B405 # only ParseError is used here

import requests
import urllib3


class GatewayError(Exception):
    """A call to an external system failed. `permanent` means retrying the same call will not help."""

    def __init__(self, message: str, permanent: bool = False, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.status = status


@dataclass
class CheckResult:
    ok: bool
    message: str
    detail: str = ""        # e.g. a version string; never a secret

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "message": self.message, "detail": self.detail}


def describe_exception(err: Exception, service: str) -> GatewayError:
    """Map a requests/socket exception to a readable GatewayError."""
    if isinstance(err, GatewayError):
        return err
    if isinstance(err, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema |
                  requests.exceptions.InvalidSchema):
        return GatewayError(f"The {service} URL is not valid.", permanent=True)
    if isinstance(err, requests.exceptions.SSLError):
        if "certificate" in str(err).lower():
            return GatewayError(f"{service}: the TLS certificate was not accepted.", permanent=True)
        # No certificate was ever seen: typically https:// typed for a port that speaks plain http.
        return GatewayError(f"{service}: the TLS handshake failed. If the address starts with https://, check that "
                            "this port speaks https, or use http://.", permanent=True)
    if isinstance(err, requests.exceptions.ConnectTimeout | socket.timeout):
        return GatewayError(f"{service} did not answer in time (connection timed out).")
    if isinstance(err, requests.exceptions.ReadTimeout):
        return GatewayError(f"{service} accepted the connection but did not answer in time.")
    if isinstance(err, requests.exceptions.ConnectionError):
        return _connection_error(err, service)
    if isinstance(err, requests.exceptions.TooManyRedirects):
        return GatewayError(f"{service} redirected too many times; check the URL.", permanent=True)
    if isinstance(err, requests.RequestException):
        return GatewayError(f"The request to {service} failed.")
    if isinstance(err, OSError):
        return GatewayError(f"Could not connect to {service}: {err.strerror or 'network error'}.")
    if isinstance(err, ElementTree.ParseError | ValueError):
        return GatewayError(f"{service} answered something that is not its API (an HTML page? check the URL).")
    return GatewayError(f"Unexpected error talking to {service}.")


def _connection_error(err: requests.exceptions.ConnectionError, service: str) -> GatewayError:
    """requests' catch-all connection failure, told apart by its cause."""
    # Without retries, urllib3 hands requests a MaxRetryError whose reason is the real cause:
    # a read timeout then arrives as a ConnectionError.
    reason = getattr(err.args[0], "reason", None) if err.args else None
    if isinstance(reason, urllib3.exceptions.ConnectTimeoutError) and not isinstance(
            reason, urllib3.exceptions.NewConnectionError):      # urllib3 derives "refused" from it
        return GatewayError(f"{service} did not answer in time (connection timed out).")
    if isinstance(reason, urllib3.exceptions.ReadTimeoutError):
        return GatewayError(f"{service} accepted the connection but did not answer in time.")
    text = str(err).lower()
    if any(words in text for words in ("name or service not known", "nodename nor servname", "failed to resolve",
                                       "name resolution")):
        return GatewayError(f"{service}: the host name could not be found.", permanent=True)
    if "refused" in text:
        return GatewayError(f"{service} refused the connection: is it running, and is the port right?")
    return GatewayError(f"Could not connect to {service}.")


def raise_for_status(response: requests.Response, service: str) -> None:
    code = response.status_code
    if 300 <= code < 400:
        # Never followed: the key would go to an address it was not stored for (DESIGN law 11).
        raise GatewayError(f"{service} answered with a redirect ({code}); plexportal does not follow redirects "
                           "with a key: enter the final address (https://… or the right URL base).",
                           permanent=True, status=code)
    if code < 400:
        return
    if code in (401, 403):
        raise GatewayError(f"{service} rejected the credentials ({code}): check the API key or token.",
                           permanent=True, status=code)
    if code == 404:
        raise GatewayError(f"{service} answered 404 Not Found: check the URL (and any URL base).",
                           permanent=True, status=code)
    if code == 429:
        raise GatewayError(f"{service} is rate limiting us (429); will retry.", status=code)
    if code >= 500:
        raise GatewayError(f"{service} had an internal error ({code}).", status=code)
    raise GatewayError(f"{service} answered {code}.", permanent=True, status=code)


def json_or_error(response: requests.Response, service: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise GatewayError(f"{service} did not answer with JSON: is this the right URL?", permanent=True) from None


def run_check(fn: Callable[[], tuple[str, str]], service: str) -> CheckResult:
    """Run a check function that returns (message, detail) and catch everything into a result."""
    try:
        message, detail = fn()
        return CheckResult(True, message, detail)
    except GatewayError as err:
        return CheckResult(False, err.message)
    except Exception as err:  # noqa: BLE001 - the Test button must always answer
        return CheckResult(False, describe_exception(err, service).message)
