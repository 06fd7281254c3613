"""Fake Seerr (/api/v1, X-Api-Key; 403 without a valid key, as Seerr answers).

State: `users`, `requests` (REST shapes from reference §3.4, numeric enums), `titles` (TMDB details
by (type, tmdbId)). Lists page with take/skip and pageInfo; POST /request acts as X-API-User.
"""
from __future__ import annotations

from flask import Flask, jsonify, request

from tests.fakes.server import FakeService


class FakeSeerr(FakeService):
    name = "seerr"

    def __init__(self, api_key: str = "seerr-key"):
        self.api_key = api_key
        self.users: list[dict] = [{"id": 1, "displayName": "admin", "email": "admin@example.com",
                                   "plexUsername": "admin", "username": None, "userType": 1, "permissions": 2,
                                   "avatar": "", "requestCount": 0, "plexId": 1001}]
        self.requests: list[dict] = []
        self.titles: dict[tuple[str, int], dict] = {}
        super().__init__()

    # -- state helpers ------------------------------------------------------------------------
    def add_user(self, uid: int, name: str, email: str, plex_id: int | None = None) -> dict:
        user = {"id": uid, "displayName": name, "email": email, "plexUsername": name, "username": None,
                "userType": 1, "permissions": 32, "avatar": f"https://plex.tv/users/{uid:04x}/avatar?c=1",
                "requestCount": 0, "plexId": plex_id, "createdAt": "2024-01-01T00:00:00.000Z",
                "updatedAt": "2024-01-01T00:00:00.000Z"}
        self.users.append(user)
        return user

    def add_title(self, media_type: str, tmdb_id: int, title: str, year: int = 2024, *, tvdb_id=None,
                  imdb_id=None) -> None:
        key = "title" if media_type == "movie" else "name"
        date = "releaseDate" if media_type == "movie" else "firstAirDate"
        self.titles[(media_type, tmdb_id)] = {"id": tmdb_id, key: title, date: f"{year}-03-01",
                                              "posterPath": f"/p{tmdb_id}.jpg", "overview": f"About {title}.",
                                              "externalIds": {"imdbId": imdb_id, "tvdbId": tvdb_id}}

    def add_request(self, rid: int, media_type: str, tmdb_id: int, user_id: int, *, status: int = 2,
                    media_status: int = 3, tvdb_id=None, seasons=()) -> dict:
        user = next(u for u in self.users if u["id"] == user_id)
        row = {"id": rid, "status": status, "type": media_type, "is4k": False, "isAutoRequest": False,
               "createdAt": "2024-09-01T10:00:00.000Z", "updatedAt": "2024-09-01T10:00:05.000Z",
               "media": {"id": 1000 + rid, "mediaType": media_type, "tmdbId": tmdb_id, "tvdbId": tvdb_id,
                         "status": media_status, "status4k": 1, "ratingKey": None, "downloadStatus": []},
               "seasons": [{"id": rid * 10 + s, "seasonNumber": s, "status": status} for s in seasons],
               "requestedBy": {k: user[k] for k in ("id", "displayName", "email", "plexUsername", "userType",
                                                    "permissions", "avatar")},
               "modifiedBy": None, "seasonCount": len(seasons)}
        self.requests.append(row)
        return row

    def _page(self, rows: list[dict]):
        take = int(request.args.get("take", 10))
        skip = int(request.args.get("skip", 0))
        return jsonify({"pageInfo": {"pages": max(1, -(-len(rows) // take)), "pageSize": take,
                                     "results": len(rows), "page": skip // take + 1},
                        "results": rows[skip:skip + take]})

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
            return self._page(self.users)

        @app.get("/api/v1/request")
        def requests_list():
            return self._page(sorted(self.requests, key=lambda r: r["id"], reverse=True))

        @app.get("/api/v1/<kind>/<int:tmdb_id>")
        def details(kind, tmdb_id):
            if kind not in ("movie", "tv") or (kind, tmdb_id) not in self.titles:
                return jsonify({"message": "Unable to retrieve details."}), 404
            return jsonify(self.titles[(kind, tmdb_id)])

        @app.post("/api/v1/request")
        def create():
            body = request.get_json(silent=True) or {}
            acting = int(request.headers.get("X-API-User", 1))
            if not any(u["id"] == acting for u in self.users):
                return jsonify({"status": 403, "error": "You do not have permission to access this endpoint"}), 403
            tmdb_id, kind = body.get("mediaId"), body.get("mediaType")
            if any(r["media"]["tmdbId"] == tmdb_id and r["type"] == kind for r in self.requests):
                return jsonify({"message": "Request for this media already exists."}), 409
            seasons = [1] if kind == "tv" else []
            row = self.add_request(max([r["id"] for r in self.requests] + [0]) + 1, kind, tmdb_id, acting,
                                   status=1, media_status=2, seasons=seasons)
            return jsonify(row), 201
