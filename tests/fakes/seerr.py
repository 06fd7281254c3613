"""Fake Seerr (/api/v1, X-Api-Key; 403 without a valid key, as Seerr answers)."""
from __future__ import annotations

from flask import Flask, jsonify, request

from tests.fakes.server import FakeService


class FakeSeerr(FakeService):
    name = "seerr"

    def __init__(self, api_key: str = "seerr-key"):
        self.api_key = api_key
        self.users: list[dict] = [{"id": 1, "displayName": "admin", "email": "admin@example.com",
                                   "plexUsername": "admin", "username": None, "userType": 1, "permissions": 2,
                                   "avatar": "", "requestCount": 0}]
        super().__init__()

    def routes(self, app: Flask) -> None:
        @app.before_request
        def auth():
            if request.path == "/api/v1/status":
                return None
            if request.headers.get("X-Api-Key") != self.api_key:
                return jsonify({"status": 403, "error": "You do not have permission to access this endpoint"}), 403
            return None

        @app.get("/api/v1/status")
        def status():
            return jsonify({"version": "3.1.0", "commitTag": "v3.1.0", "updateAvailable": False,
                            "commitsBehind": 0, "restartRequired": False})

        @app.get("/api/v1/user")
        def users():
            take = int(request.args.get("take", 10))
            skip = int(request.args.get("skip", 0))
            page = self.users[skip:skip + take]
            return jsonify({"pageInfo": {"pages": max(1, -(-len(self.users) // take)), "pageSize": take,
                                         "results": len(self.users), "page": skip // take + 1},
                            "results": page})
