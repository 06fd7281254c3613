"""Jellyfin REST API (Authorization: MediaBrowser Token="…")."""
from __future__ import annotations

from dataclasses import dataclass

from plexportal.gateways.base import (CheckResult, GatewayError, describe_exception, json_or_error,
                                      raise_for_status, run_check)
from plexportal.lib import http

SERVICE = "Jellyfin"


@dataclass
class JellyfinSettings:
    url: str
    api_key: str


class JellyfinClient:
    def __init__(self, settings: JellyfinSettings, *, timeout=http.DEFAULT_TIMEOUT, retries: int = 2):
        if not settings.url:
            raise GatewayError("Jellyfin is not configured (no URL).", permanent=True)
        self.base = settings.url.rstrip("/")
        self.session = http.session(retries=retries, timeout=timeout)
        self.session.headers["Authorization"] = f'MediaBrowser Token="{settings.api_key or ""}"'
        self.session.headers["Accept"] = "application/json"

    def get(self, path: str, **params):
        try:
            response = self.session.get(f"{self.base}/{path.lstrip('/')}", params=params or None,
                                        allow_redirects=False)
        except Exception as err:  # noqa: BLE001
            raise describe_exception(err, SERVICE) from None
        raise_for_status(response, SERVICE)
        return json_or_error(response, SERVICE)

    def public_info(self) -> dict:
        data = self.get("System/Info/Public")
        if not isinstance(data, dict) or "Id" not in data:
            raise GatewayError("That does not look like Jellyfin: check the URL.", permanent=True)
        return data

    def check(self) -> CheckResult:
        def probe():
            info = self.get("System/Info")     # needs the key, unlike /System/Info/Public
            return f"Connected to {info.get('ServerName', 'Jellyfin')} (Jellyfin {info.get('Version', '?')}).", \
                info.get("Version", "")
        return run_check(probe, SERVICE)


def client(**kwargs) -> JellyfinClient:
    from plexportal.settings import service as settings

    return JellyfinClient(JellyfinSettings(settings.get("JELLYFIN_URL"), settings.get("JELLYFIN_API_KEY")), **kwargs)


def check(url: str, api_key: str) -> CheckResult:
    try:
        return JellyfinClient(JellyfinSettings(url, api_key), timeout=http.CHECK_TIMEOUT, retries=0).check()
    except GatewayError as err:
        return CheckResult(False, err.message)
