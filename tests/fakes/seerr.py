"""Fake Seerr (/api/v1, X-Api-Key; 403 without a valid key, as Seerr answers).

State: `users`, `requests` (REST shapes from reference §3.4, numeric enums), `titles` (TMDB details
by (type, tmdbId)), `people`. Lists page with take/skip and pageInfo; POST /request acts as X-API-User.
GET /search answers like Overseerr's server/routes/search.ts (models/Search.ts shapes): titles and
people whose name contains the query (case-insensitive), 20 a page, `mediaInfo` (the Media entity)
on a title somebody requested.

Request webhooks: `request_webhook(row, "MEDIA_DECLINED")` is the body Seerr's default template
sends for that request (reference §3.1-3.3: every value a string, "" when missing). POST
/request/{id}/approve|decline|pending changes the request, answers with it and, like Seerr, fires
the webhook back (kept in `sent_webhooks`, which tests replay into the app). `fail_decisions`
makes those calls answer 503 (Seerr down), `decision_calls` records them.
"""
from __future__ import annotations

from typing import ClassVar

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
        self.people: list[dict] = []
        if not hasattr(self, "sent_webhooks"):
            self.sent_webhooks: list[dict] = []
        self.decision_calls: list[tuple[int, str]] = []
        self.fail_decisions = 0
        super().__init__()

    # -- state helpers ------------------------------------------------------------------------
    def add_user(self, uid: int, name: str, email: str, plex_id: int | None = None) -> dict:
        user = {"id": uid, "displayName": name, "email": email, "plexUsername": name, "username": None,
                "userType": 1, "permissions": 32, "avatar": f"https://plex.tv/users/{uid:04x}/avatar?c=1",
                "requestCount": 0, "plexId": plex_id, "createdAt": "2024-01-01T00:00:00.000Z",
                "updatedAt": "2024-01-01T00:00:00.000Z"}
        self.users.append(user)
        return user

    def add_title(self, media_type: str, tmdb_id: int, title: str, year: int | None = 2024, *, tvdb_id=None,
                  imdb_id=None, poster: str | None = "") -> None:
        """`year=None` is a title without a date yet (TMDB sends ""); `poster=None` one without a poster."""
        key = "title" if media_type == "movie" else "name"
        date = "releaseDate" if media_type == "movie" else "firstAirDate"
        self.titles[(media_type, tmdb_id)] = {"id": tmdb_id, key: title, date: f"{year}-03-01" if year else "",
                                              "posterPath": f"/p{tmdb_id}.jpg" if poster == "" else poster,
                                              "overview": f"About {title}.",
                                              "externalIds": {"imdbId": imdb_id, "tvdbId": tvdb_id}}

    def add_person(self, person_id: int, name: str) -> None:
        self.people.append({"id": person_id, "name": name})

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

    EVENTS: ClassVar[dict[str, str]] = {"MEDIA_PENDING": "New {kind} Request", "MEDIA_APPROVED": "{kind} Request Approved",
              "MEDIA_AUTO_APPROVED": "{kind} Request Automatically Approved",
              "MEDIA_DECLINED": "{kind} Request Declined", "MEDIA_FAILED": "{kind} Request Failed",
              "MEDIA_AVAILABLE": "{kind} Request Now Available"}
    MEDIA_STATUS: ClassVar[dict[int, str]] = {1: "UNKNOWN", 2: "PENDING", 3: "PROCESSING", 4: "PARTIALLY_AVAILABLE", 5: "AVAILABLE"}

    def request_webhook(self, row: dict, notification_type: str, extra: list | None = None) -> dict:
        """The default-template body for a request event (values are strings, "" when missing)."""
        media = row["media"]
        kind = "Movie" if row["type"] == "movie" else "Series"
        title = self.titles.get((row["type"], media["tmdbId"]), {})
        name = title.get("title") or title.get("name") or f"Title {media['tmdbId']}"
        year = (title.get("releaseDate") or title.get("firstAirDate") or "")[:4]
        user = row["requestedBy"]
        seasons = [s["seasonNumber"] for s in row["seasons"]]
        extras = [{"name": "Requested Seasons", "value": ", ".join(str(s) for s in seasons)}] if seasons else []
        return {"notification_type": notification_type,
                "event": self.EVENTS[notification_type].format(kind=kind),
                "subject": f"{name} ({year})" if year else name, "message": title.get("overview", ""),
                "image": (f"https://image.tmdb.org/t/p/w600_and_h900_bestv2{title['posterPath']}"
                          if title.get("posterPath") else ""),
                "media": {"media_type": row["type"], "tmdbId": str(media["tmdbId"]),
                          "tvdbId": str(media["tvdbId"] or ""), "status": self.MEDIA_STATUS[media["status"]],
                          "status4k": "UNKNOWN"},
                "request": {"request_id": str(row["id"]), "requestedBy_email": user.get("email") or "",
                            "requestedBy_username": user["displayName"], "requestedBy_avatar": user.get("avatar") or "",
                            "requestedBy_settings_discordId": "", "requestedBy_settings_telegramChatId": ""},
                "issue": None, "comment": None, "extra": extras + list(extra or [])}

    def _page(self, rows: list[dict]):
        take = int(request.args.get("take", 10))
        skip = int(request.args.get("skip", 0))
        return jsonify({"pageInfo": {"pages": max(1, -(-len(rows) // take)), "pageSize": take,
                                     "results": len(rows), "page": skip // take + 1},
                        "results": rows[skip:skip + take]})

    def _media_info(self, media_type: str, tmdb_id: int) -> dict | None:
        """The Media entity as search results carry it: only once somebody requested the title."""
        rows = [r for r in self.requests if r["type"] == media_type and r["media"]["tmdbId"] == tmdb_id]
        if not rows:
            return None
        media = rows[0]["media"]
        return {"id": media["id"], "mediaType": media_type, "tmdbId": tmdb_id, "tvdbId": media["tvdbId"],
                "imdbId": None, "status": media["status"], "status4k": media["status4k"],
                "createdAt": rows[0]["createdAt"], "updatedAt": rows[0]["updatedAt"],
                "requests": [{k: v for k, v in r.items() if k != "media"} for r in rows]}

    def _search_result(self, media_type: str, t: dict) -> dict:
        common = {"id": t["id"], "mediaType": media_type, "popularity": 12.5, "posterPath": t.get("posterPath"),
                  "backdropPath": None, "voteCount": 120, "voteAverage": 7.1, "genreIds": [18],
                  "overview": t.get("overview", ""), "originalLanguage": "en"}
        if media_type == "movie":
            common.update(title=t["title"], originalTitle=t["title"], releaseDate=t.get("releaseDate", ""),
                          adult=False, video=False)
        else:
            common.update(name=t["name"], originalName=t["name"], originCountry=["GB"],
                          firstAirDate=t.get("firstAirDate", ""))
        info = self._media_info(media_type, t["id"])
        if info is not None:
            common["mediaInfo"] = info
        return common

    def search(self, query: str) -> list[dict]:
        q = query.lower()
        found = [self._search_result(kind, t) for (kind, _), t in self.titles.items()
                 if q in str(t.get("title") or t.get("name") or "").lower()]
        found += [{"id": p["id"], "name": p["name"], "popularity": 3.2, "profilePath": None, "adult": False,
                   "mediaType": "person", "knownFor": []} for p in self.people if q in p["name"].lower()]
        return found

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

        @app.get("/api/v1/search")
        def search():
            query = request.args.get("query")
            if not query:
                return jsonify({"message": "Search query is required."}), 400
            page = max(1, int(request.args.get("page") or 1))
            found = self.search(query)
            return jsonify({"page": page, "totalPages": max(1, -(-len(found) // 20)), "totalResults": len(found),
                            "results": found[(page - 1) * 20:page * 20]})

        @app.get("/api/v1/request/<int:rid>")
        def request_one(rid):
            row = next((r for r in self.requests if r["id"] == rid), None)
            if row is None:
                return jsonify({"message": "Request not found."}), 404
            return jsonify(row)

        @app.post("/api/v1/request/<int:rid>/<decision>")
        def decide(rid, decision):
            self.decision_calls.append((rid, decision))
            if self.fail_decisions:
                self.fail_decisions -= 1
                return "Service Unavailable", 503
            row = next((r for r in self.requests if r["id"] == rid), None)
            if row is None:
                return jsonify({"message": "Request not found."}), 404
            if decision not in ("approve", "decline", "pending"):
                return jsonify({"message": "Not found"}), 404
            row["status"] = {"approve": 2, "decline": 3, "pending": 1}[decision]
            row["modifiedBy"] = {"id": 1, "displayName": "admin"}
            if decision != "pending":
                self.sent_webhooks.append(self.request_webhook(
                    row, "MEDIA_APPROVED" if decision == "approve" else "MEDIA_DECLINED"))
            return jsonify(row)

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
