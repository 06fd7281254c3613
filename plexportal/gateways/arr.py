"""What Sonarr and Radarr share: the v3 REST API with X-Api-Key."""
from __future__ import annotations

from dataclasses import dataclass

from plexportal.gateways.base import CheckResult, GatewayError, json_or_error, raise_for_status, run_check
from plexportal.lib import http


@dataclass
class ArrSettings:
    url: str
    api_key: str


class ArrClient:
    service = "Sonarr"

    def __init__(self, settings: ArrSettings, *, timeout=http.DEFAULT_TIMEOUT, retries: int = 2):
        if not settings.url:
            raise GatewayError(f"{self.service} is not configured (no URL).", permanent=True)
        self.base = settings.url.rstrip("/")
        self.api_key = settings.api_key
        self.session = http.session(retries=retries, timeout=timeout)
        self.session.headers["X-Api-Key"] = settings.api_key or ""
        self.session.headers["Accept"] = "application/json"

    def request(self, method: str, path: str, **kwargs):
        from plexportal.gateways.base import describe_exception

        try:
            response = self.session.request(method, f"{self.base}/api/v3/{path.lstrip('/')}",
                                            allow_redirects=False, **kwargs)
        except Exception as err:  # noqa: BLE001
            raise describe_exception(err, self.service) from None
        raise_for_status(response, self.service)
        if response.status_code == 204 or not response.content:
            return None
        return json_or_error(response, self.service)

    def get(self, path: str, **params):
        return self.request("GET", path, params=params or None)

    def system_status(self) -> dict:
        data = self.get("system/status")
        if not isinstance(data, dict) or "version" not in data:
            raise GatewayError(f"That does not look like {self.service}: check the URL.", permanent=True)
        return data

    def check(self) -> CheckResult:
        def probe():
            status = self.system_status()
            app = status.get("appName") or self.service
            if app.lower() != self.service.lower():
                raise GatewayError(f"That URL is {app}, not {self.service}.", permanent=True)
            return f"Connected to {app} {status.get('version')}.", status.get("version", "")
        return run_check(probe, self.service)
