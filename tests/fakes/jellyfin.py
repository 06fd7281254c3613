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
        self.items: list[dict] = []
        super().__init__()

    def add_item(self, name: str, kind: str = "Movie", episodes=(), **provider_ids) -> str:
        """kind Movie or Series; provider ids as Tmdb="123", Tvdb="456", Imdb="tt…"."""
        item_id = f"{len(self.items) + 1:032x}"
        self.items.append({"Id": item_id, "Name": name, "Type": kind, "ServerId": self.server_id,
                           "ProviderIds": {k: str(v) for k, v in provider_ids.items()},
                           "episodes": [(s, e) for s, e in episodes]})
        return item_id

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

        @app.get("/Items")
        def items():
            # Like Jellyfin: unknown parameters (AnyProviderIdEquals…) are ignored, not applied.
            kinds = set((request.args.get("IncludeItemTypes") or "Movie,Series").split(","))
            rows = [i for i in self.items if i["Type"] in kinds]
            start = int(request.args.get("StartIndex", 0))
            limit = int(request.args.get("Limit", 100))
            page = [{k: v for k, v in i.items() if k != "episodes"} for i in rows[start:start + limit]]
            return jsonify({"Items": page, "TotalRecordCount": len(rows), "StartIndex": start})

        @app.get("/Shows/<series_id>/Episodes")
        def episodes(series_id):
            show = next((i for i in self.items if i["Id"] == series_id), None)
            if show is None:
                return jsonify({"message": "Series not found"}), 404
            eps = [{"Id": f"{series_id[:24]}{s:04d}{e:04d}", "Name": f"Episode {e}", "Type": "Episode",
                    "ParentIndexNumber": s, "IndexNumber": e, "SeriesId": series_id} for s, e in show["episodes"]]
            return jsonify({"Items": eps, "TotalRecordCount": len(eps), "StartIndex": 0})
