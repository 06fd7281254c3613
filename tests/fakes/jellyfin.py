"""Fake Jellyfin: /System/Info/Public without auth, the rest needs MediaBrowser Token or ApiKey."""
from __future__ import annotations

import re

from flask import Flask, jsonify, request

from tests.fakes.server import FakeService


class FakeJellyfin(FakeService):
    name = "jellyfin"

    def __init__(self, api_key: str = "jf-key", server_id: str = "f1e2d3c4b5a6"):
        self.api_key = api_key
        self.server_id = server_id
        super().__init__()

    def given_key(self) -> str | None:
        header = request.headers.get("Authorization", "")
        m = re.search(r'Token="([^"]*)"', header)
        return m.group(1) if m else request.args.get("ApiKey") or request.args.get("api_key")

    def routes(self, app: Flask) -> None:
        @app.before_request
        def auth():
            if request.path == "/System/Info/Public":
                return None
            if self.given_key() != self.api_key:
                return "", 401
            return None

        @app.get("/System/Info/Public")
        def public_info():
            return jsonify({"LocalAddress": self.url, "ServerName": "Harbour Jellyfin", "Version": "10.11.11",
                            "ProductName": "Jellyfin Server", "Id": self.server_id, "StartupWizardCompleted": True})

        @app.get("/System/Info")
        def info():
            return jsonify({"ServerName": "Harbour Jellyfin", "Version": "10.11.11", "Id": self.server_id,
                            "OperatingSystem": "Linux"})
