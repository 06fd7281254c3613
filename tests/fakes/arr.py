"""Fake Sonarr and Radarr (v3 API, X-Api-Key / apikey / Bearer auth; 401 on a wrong key)."""
from __future__ import annotations

from flask import Flask, jsonify, request

from tests.fakes.server import FakeService


class FakeArr(FakeService):
    app_name = "Sonarr"
    version = "4.0.19.2979"

    def __init__(self, api_key: str = "arr-key"):
        self.api_key = api_key
        super().__init__()

    def authorised(self) -> bool:
        given = (request.headers.get("X-Api-Key") or request.args.get("apikey")
                 or request.headers.get("Authorization", "").removeprefix("Bearer ").strip())
        return given == self.api_key

    def routes(self, app: Flask) -> None:
        @app.before_request
        def auth():
            if request.path.startswith("/api/") and not self.authorised():
                return jsonify({"error": "Unauthorized"}), 401
            return None

        @app.get("/api/v3/system/status")
        def status():
            return jsonify({"appName": self.app_name, "instanceName": self.app_name, "version": self.version,
                            "urlBase": "", "isDocker": True, "authentication": "forms"})


class FakeSonarr(FakeArr):
    name = "sonarr"
    app_name = "Sonarr"
    version = "4.0.19.2979"


class FakeRadarr(FakeArr):
    name = "radarr"
    app_name = "Radarr"
    version = "5.28.0.10274"
