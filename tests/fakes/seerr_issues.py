"""Fake Seerr issues on top of FakeSeerr: comment, resolve and
reopen answer with the Issue, and, like the real thing, each fires a webhook back (ISSUE_COMMENT /
ISSUE_RESOLVED), which tests replay into the app to exercise the loop guard."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, abort, jsonify, request

from tests.fakes.seerr import FakeSeerr

TYPES = {1: "VIDEO", 2: "AUDIO", 3: "SUBTITLES", 4: "OTHER"}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class FakeSeerrIssues(FakeSeerr):
    def __init__(self, api_key: str = "seerr-key"):
        self.issues: dict[int, dict] = {}
        self.sent_webhooks: list[dict] = []          # what Seerr would send back to us
        super().__init__(api_key)

    def add_issue(self, issue_id: int, *, issue_type: int = 1, media_type: str = "tv", tmdb_id: int = 98765,
                  tvdb_id: int | None = 371234, season: int = 0, episode: int = 0, message: str = "Broken",
                  reporter: dict | None = None) -> dict:
        reporter = reporter or {"id": 3, "displayName": "bob", "email": "bob@example.com"}
        issue = {"id": issue_id, "issueType": issue_type, "status": 1, "problemSeason": season,
                 "problemEpisode": episode, "createdAt": _now(), "updatedAt": _now(),
                 "media": {"id": 33, "mediaType": media_type, "tmdbId": tmdb_id, "tvdbId": tvdb_id, "status": 5},
                 "createdBy": reporter, "modifiedBy": reporter,
                 "comments": [{"id": 1, "user": reporter, "message": message, "createdAt": _now()}]}
        self.issues[issue_id] = issue
        return issue

    def webhook_for(self, issue: dict, notification_type: str, comment: str = "") -> dict:
        """The body Seerr's default webhook template sends for this issue (all values strings)."""
        kind = TYPES[issue["issueType"]]
        reporter = issue["createdBy"]
        extra = []
        if issue["problemSeason"]:
            extra.append({"name": "Affected Season", "value": str(issue["problemSeason"])})
        if issue["problemEpisode"]:
            extra.append({"name": "Affected Episode", "value": str(issue["problemEpisode"])})
        events = {"ISSUE_CREATED": f"New {kind.title()} Issue Reported" if kind != "OTHER" else "New Issue Reported",
                  "ISSUE_COMMENT": f"New Comment on {kind.title()} Issue",
                  "ISSUE_RESOLVED": f"{kind.title()} Issue Resolved", "ISSUE_REOPENED": f"{kind.title()} Issue Reopened"}
        media = issue["media"]
        return {"notification_type": notification_type, "event": events[notification_type],
                "subject": "The Example Show (2023)", "message": issue["comments"][0]["message"], "image": "",
                "media": {"media_type": media["mediaType"], "tmdbId": str(media["tmdbId"] or ""),
                          "tvdbId": str(media["tvdbId"] or ""), "status": "AVAILABLE", "status4k": "UNKNOWN"},
                "request": None,
                "issue": {"issue_id": str(issue["id"]), "issue_type": kind,
                          "issue_status": "OPEN" if issue["status"] == 1 else "RESOLVED",
                          "reportedBy_email": reporter.get("email", ""), "reportedBy_username": reporter["displayName"],
                          "reportedBy_avatar": "", "reportedBy_settings_discordId": "",
                          "reportedBy_settings_telegramChatId": ""},
                "comment": ({"comment_message": comment, "commentedBy_email": "admin@example.com",
                             "commentedBy_username": "admin", "commentedBy_avatar": "",
                             "commentedBy_settings_discordId": "", "commentedBy_settings_telegramChatId": ""}
                            if notification_type == "ISSUE_COMMENT" else None),
                "extra": extra}

    def routes(self, app: Flask) -> None:
        super().routes(app)

        def issue_or_404(issue_id):
            if issue_id not in self.issues:
                abort(404)
            return self.issues[issue_id]

        @app.get("/api/v1/issue/<int:issue_id>")
        def issue(issue_id):
            return jsonify(issue_or_404(issue_id))

        @app.post("/api/v1/issue/<int:issue_id>/comment")
        def comment(issue_id):
            found = issue_or_404(issue_id)
            message = (request.get_json(silent=True) or {}).get("message", "")
            found["comments"].append({"id": len(found["comments"]) + 1, "message": message, "createdAt": _now(),
                                      "user": {"id": 1, "displayName": "admin"}})
            self.sent_webhooks.append(self.webhook_for(found, "ISSUE_COMMENT", message))
            return jsonify(found)

        @app.post("/api/v1/issue/<int:issue_id>/<status>")
        def set_status(issue_id, status):
            found = issue_or_404(issue_id)
            if status not in ("resolved", "open"):
                return jsonify({"message": "You must provide a valid status"}), 400
            found["status"] = 2 if status == "resolved" else 1
            self.sent_webhooks.append(self.webhook_for(found, "ISSUE_RESOLVED" if status == "resolved"
                                                       else "ISSUE_REOPENED"))
            return jsonify(found)
