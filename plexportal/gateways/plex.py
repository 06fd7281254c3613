"""Plex Media Server. The only module that imports plexapi (DESIGN law 6)."""
from __future__ import annotations

from dataclasses import dataclass

from plexapi.exceptions import BadRequest, NotFound, Unauthorized
from plexapi.server import PlexServer

from plexportal.gateways.base import CheckResult, GatewayError, describe_exception, run_check
from plexportal.lib import http

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


def connect(settings: PlexSettings, *, timeout: float = 15, retries: int = 1) -> PlexServer:
    if not settings.url:
        raise GatewayError("Plex is not configured (no URL).", permanent=True)
    try:
        return PlexServer(settings.url.rstrip("/"), settings.token or None,
                          session=http.session(retries=retries), timeout=timeout)
    except Unauthorized:
        raise GatewayError("Plex rejected the token (401): copy the X-Plex-Token again.", permanent=True,
                           status=401) from None
    except NotFound:
        raise GatewayError("Plex answered 404 Not Found: check the URL.", permanent=True, status=404) from None
    except BadRequest as err:
        raise GatewayError(f"Plex refused the request: {str(err)[:80]}", permanent=True) from None
    except Exception as err:  # noqa: BLE001
        raise describe_exception(err, SERVICE) from None


def server_info(settings: PlexSettings, **kwargs) -> ServerInfo:
    server = connect(settings, **kwargs)
    return ServerInfo(server.friendlyName, server.version, server.machineIdentifier)


def check(url: str, token: str) -> CheckResult:
    def probe():
        info = server_info(PlexSettings(url, token), timeout=5, retries=0)
        return f"Connected to {info.name} (Plex {info.version}).", info.version
    return run_check(probe, SERVICE)


def settings_from_store() -> PlexSettings:
    from plexportal.settings import service as settings

    return PlexSettings(settings.get("PLEX_URL"), settings.get("PLEX_TOKEN"))
