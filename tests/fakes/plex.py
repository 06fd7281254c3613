"""Fake Plex Media Server: XML like the real one (plexapi sends no Accept header), token required."""
from __future__ import annotations

from flask import Flask, Response, request

from tests.fakes.server import FakeService


class FakePlex(FakeService):
    name = "plex"

    def __init__(self, token: str = "plex-token", machine_identifier: str = "machine-abc123",
                 friendly_name: str = "Harbour Server"):
        self.token = token
        self.machine_identifier = machine_identifier
        self.friendly_name = friendly_name
        super().__init__()

    def authorised(self) -> bool:
        return (request.headers.get("X-Plex-Token") or request.args.get("X-Plex-Token")) == self.token

    def xml(self, body: str, status: int = 200) -> Response:
        return Response('<?xml version="1.0" encoding="UTF-8"?>\n' + body, status=status, mimetype="text/xml")

    def routes(self, app: Flask) -> None:
        @app.before_request
        def auth():
            if request.path != "/identity" and not self.authorised():
                return Response("<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>",
                                status=401, mimetype="text/html")
            return None

        @app.get("/")
        def root():
            return self.xml(f'<MediaContainer size="0" friendlyName="{self.friendly_name}" '
                            f'machineIdentifier="{self.machine_identifier}" version="1.41.3.9314-a0bfb8370" '
                            f'platform="Linux" myPlex="1" myPlexUsername="admin@example.com"></MediaContainer>')

        @app.get("/identity")
        def identity():
            return self.xml(f'<MediaContainer size="0" claimed="1" machineIdentifier="{self.machine_identifier}" '
                            f'version="1.41.3.9314-a0bfb8370"></MediaContainer>')
