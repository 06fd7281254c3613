"""Fake Sonarr and Radarr (v3 API, X-Api-Key / apikey / Bearer auth; 401 on a wrong key).

Stateful, speaking the wire format of ../shared/reference/webhooks.md §4: a paged queue (one record
per episode, `pageSize` default 10), history and history/since, the calendar, commands (201 +
CommandResource, 500 for an unknown name), DELETE queue/{id} with blocklist/skipRedownload, file
deletion, targeted lookups (?tvdbId= / ?tmdbId=) and a blocklist. `large=True` builds a library of
2,000 series and 100,000 episodes (or 2,000 films) so tests can count the calls a monitor makes.
"""
from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from flask import Flask, abort, jsonify, request

from tests.fakes.server import FakeService

SONARR_HISTORY = {1: "grabbed", 2: "seriesFolderImported", 3: "downloadFolderImported", 4: "downloadFailed",
                  5: "episodeFileDeleted", 6: "episodeFileRenamed", 7: "downloadIgnored"}
RADARR_HISTORY = {1: "grabbed", 3: "downloadFolderImported", 4: "downloadFailed", 6: "movieFileDeleted",
                  8: "movieFileRenamed", 9: "downloadIgnored"}
SONARR_COMMANDS = {"EpisodeSearch": "Episode Search", "SeasonSearch": "Season Search", "SeriesSearch": "Series Search",
                   "RefreshSeries": "Refresh Series", "RescanSeries": "Rescan Series",
                   "MissingEpisodeSearch": "Missing Episode Search", "RssSync": "RSS Sync"}
RADARR_COMMANDS = {"MoviesSearch": "Movies Search", "RefreshMovie": "Refresh Movie", "RescanMovie": "Rescan Movie",
                   "MissingMoviesSearch": "Missing Movies Search", "RssSync": "RSS Sync"}


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def quality(name: str = "WEBDL-1080p") -> dict:
    return {"quality": {"id": 3, "name": name, "source": "web", "resolution": 1080},
            "revision": {"version": 1, "real": 0, "isRepack": False}}


class FakeArr(FakeService):
    app_name = "Sonarr"
    version = "4.0.19.2979"

    def __init__(self, api_key: str = "arr-key", *, large: bool = False):
        self.api_key = api_key
        self.queue: list[dict] = []
        self.history: list[dict] = []
        self.calendar: list[dict] = []
        self.commands: list[dict] = []
        self.blocklist: list[dict] = []
        self.deleted_files: list[int] = []
        self.redownload_failed = False          # Settings → Download Clients → "Redownload failed"
        self._ids = itertools.count(1000)
        super().__init__()
        if large:
            self.build_large()

    def next_id(self) -> int:
        return next(self._ids)

    def authorised(self) -> bool:
        given = (request.headers.get("X-Api-Key") or request.args.get("apikey")
                 or request.headers.get("Authorization", "").removeprefix("Bearer ").strip())
        return given == self.api_key

    # -- helpers for tests -------------------------------------------------------------------
    history_names = SONARR_HISTORY
    command_names = SONARR_COMMANDS

    def add_history(self, event_type: int, *, download_id: str = "", source_title: str = "", date=None,
                    data: dict | None = None, **ids) -> dict:
        record = {"id": self.next_id(), "eventType": self.history_names[event_type], "sourceTitle": source_title,
                  "date": iso(date or datetime.now(UTC)), "downloadId": download_id,
                  "quality": quality(), "data": data or {}, **ids}
        self.history.append(record)
        return record

    def commands_named(self, name: str) -> list[dict]:
        return [c for c in self.commands if c["name"].lower() == name.lower()]

    def _auto_research(self, record: dict) -> None:
        raise NotImplementedError

    def build_large(self) -> None:
        raise NotImplementedError

    def _page(self, items: list[dict]):
        page = max(1, request.args.get("page", 1, type=int))
        size = max(1, request.args.get("pageSize", 10, type=int))
        return jsonify({"page": page, "pageSize": size, "sortKey": request.args.get("sortKey", "timeleft"),
                        "sortDirection": request.args.get("sortDirection", "descending"),
                        "totalRecords": len(items), "records": items[(page - 1) * size: page * size]})

    # -- routes --------------------------------------------------------------------------------
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

        self._queue_routes(app)
        self._history_routes(app)
        self._calendar_and_command_routes(app)
        self.extra_routes(app)

    def _queue_routes(self, app: Flask) -> None:
        @app.get("/api/v3/queue")
        def queue():
            return self._page(list(self.queue))

        @app.delete("/api/v3/queue/<int:qid>")
        def remove(qid):
            record = next((r for r in self.queue if r["id"] == qid), None)
            if record is None:
                abort(404)
            # Every record of the same download goes: the client removes the whole download.
            self.queue = [r for r in self.queue if r["downloadId"] != record["downloadId"]]
            if request.args.get("blocklist", "false").lower() == "true":
                self.blocklist.append({"id": self.next_id(), "downloadId": record["downloadId"],
                                       "sourceTitle": record["title"], "date": iso(datetime.now(UTC))})
                self.add_history(4, download_id=record["downloadId"], source_title=record["title"],
                                 **self._ids_of(record))
                if request.args.get("skipRedownload", "false").lower() != "true" and self.redownload_failed:
                    self._auto_research(record)
            return "", 200

    def _history_routes(self, app: Flask) -> None:
        @app.get("/api/v3/history")
        def history():
            items = sorted(self.history, key=lambda r: r["date"], reverse=True)
            types = {self.history_names.get(int(t)) for t in request.args.getlist("eventType")}
            if types:
                items = [r for r in items if r["eventType"] in types]
            for key in ("episodeId", "downloadId", "movieId", "seriesId"):
                if request.args.get(key):
                    want = request.args.get(key)
                    items = [r for r in items if str(r.get(key, "")) == want]
            return self._page(items)

        @app.get("/api/v3/history/since")
        def history_since():
            since = parse_iso(request.args["date"])
            items = [r for r in self.history if parse_iso(r["date"]) >= since]
            if request.args.get("eventType"):
                items = [r for r in items if r["eventType"] == self.history_names[int(request.args["eventType"])]]
            return jsonify([self._embed(r) for r in sorted(items, key=lambda r: r["date"], reverse=True)])

        @app.post("/api/v3/history/failed/<int:hid>")
        def mark_failed(hid):
            record = next((r for r in self.history if r["id"] == hid), None)
            if record is None:
                abort(404)
            self.blocklist.append({"id": self.next_id(), "downloadId": record["downloadId"],
                                   "sourceTitle": record["sourceTitle"], "date": iso(datetime.now(UTC))})
            self.add_history(4, download_id=record["downloadId"], source_title=record["sourceTitle"],
                             **self._ids_of(record))
            if self.redownload_failed:
                self._auto_research(record)
            return "", 200

        @app.get("/api/v3/blocklist")
        def blocklist():
            return self._page(list(self.blocklist))

        @app.get("/api/v3/config/downloadclient")
        def download_client_config():
            return jsonify({"id": 1, "enableCompletedDownloadHandling": True,
                            "autoRedownloadFailed": self.redownload_failed,
                            "autoRedownloadFailedFromInteractiveSearch": self.redownload_failed})

    def _calendar_and_command_routes(self, app: Flask) -> None:
        @app.get("/api/v3/calendar")
        def calendar():
            start = parse_iso(request.args["start"]) if request.args.get("start") else datetime.now(UTC)
            end = parse_iso(request.args["end"]) if request.args.get("end") else start + timedelta(days=2)
            return jsonify([c for c in self.calendar if self._in_window(c, start, end)])

        @app.post("/api/v3/command")
        def command():
            body = request.get_json(force=True, silent=True) or {}
            name = next((n for n in self.command_names if n.lower() == str(body.get("name", "")).lower()), None)
            if name is None:
                return jsonify({"message": f"Unknown command {body.get('name')}"}), 500
            resource = self._record_command(name, body)
            return jsonify(resource), 201

        @app.get("/api/v3/command/<int:cid>")
        def command_status(cid):
            found = next((c for c in self.commands if c["id"] == cid), None)
            if found is None:
                abort(404)
            return jsonify(found)

    def _record_command(self, name: str, body: dict) -> dict:
        now = iso(datetime.now(UTC))
        resource = {"id": self.next_id(), "name": name, "commandName": self.command_names[name],
                    "body": {k: v for k, v in body.items() if k != "name"}, "priority": "normal",
                    "status": "queued", "result": "unknown", "queued": now, "trigger": "manual",
                    "sendUpdatesToClient": False, "updateScheduledTask": True}
        self.commands.append(resource)
        return resource

    def _embed(self, record: dict) -> dict:
        """includeSeries/includeEpisode/includeMovie: the resources inside each record."""
        return record

    def _ids_of(self, record: dict) -> dict:
        return {k: record[k] for k in ("seriesId", "episodeId", "movieId") if record.get(k) is not None}

    def _in_window(self, item: dict, start: datetime, end: datetime) -> bool:
        raise NotImplementedError

    def extra_routes(self, app: Flask) -> None:
        pass


class FakeSonarr(FakeArr):
    name = "sonarr"
    app_name = "Sonarr"
    version = "4.0.19.2979"
    history_names = SONARR_HISTORY
    command_names = SONARR_COMMANDS

    def __init__(self, api_key: str = "arr-key", *, large: bool = False):
        self.series: dict[int, dict] = {}
        self.episodes: dict[int, dict] = {}
        self.episode_files: dict[int, dict] = {}
        super().__init__(api_key, large=large)

    def add_series(self, series_id: int, title: str, tvdb_id: int, *, seasons: int = 1, per_season: int = 3,
                   tmdb_id: int = 0, first_episode_id: int | None = None, with_files: bool = True) -> dict:
        self.series[series_id] = {
            "id": series_id, "title": title, "titleSlug": title.lower().replace(" ", "-"), "tvdbId": tvdb_id,
            "tmdbId": tmdb_id, "imdbId": f"tt{tvdb_id:07d}", "path": f"/tv/{title}", "qualityProfileId": 1,
            "monitored": True, "seasons": [{"seasonNumber": s, "monitored": True} for s in range(1, seasons + 1)],
            "images": [], "tags": [], "year": 2023}
        eid = first_episode_id or series_id * 1000
        for s in range(1, seasons + 1):
            for e in range(1, per_season + 1):
                file_id = eid + 500000 if with_files else 0
                self.episodes[eid] = {"id": eid, "seriesId": series_id, "tvdbId": tvdb_id * 100 + eid % 1000,
                                      "episodeFileId": file_id, "seasonNumber": s, "episodeNumber": e,
                                      "title": f"Episode {e}", "airDate": "2024-05-12",
                                      "airDateUtc": "2024-05-13T01:00:00Z", "hasFile": bool(file_id),
                                      "monitored": True}
                if file_id:
                    self.episode_files[file_id] = {"id": file_id, "seriesId": series_id, "seasonNumber": s,
                                                   "relativePath": f"Season {s:02d}/{title} - S{s:02d}E{e:02d}.mkv",
                                                   "quality": quality()}
                eid += 1
        return self.series[series_id]

    def add_queue_item(self, episode_id: int, *, download_id: str, title: str = "", status: str = "downloading",
                       tracked_status: str = "ok", tracked_state: str = "downloading", messages=(),
                       error_message: str = "", size: int = 2_147_483_648, sizeleft: int = 1_000_000_000,
                       timeleft: str | None = "00:10:00", added: datetime | None = None) -> dict:
        ep = self.episodes[episode_id]
        series = self.series[ep["seriesId"]]
        record = {
            "seriesId": ep["seriesId"], "episodeId": episode_id, "seasonNumber": ep["seasonNumber"],
            "series": series, "episode": ep, "languages": [{"id": 1, "name": "English"}], "quality": quality(),
            "customFormats": [], "customFormatScore": 0, "size": size, "title": title or f"{series['title']}.S01",
            "added": iso(added or datetime.now(UTC)), "status": status,
            "trackedDownloadStatus": tracked_status, "trackedDownloadState": tracked_state,
            "statusMessages": [{"title": title or series["title"], "messages": list(messages)}] if messages else [],
            "downloadId": download_id, "protocol": "torrent", "downloadClient": "qBittorrent",
            "downloadClientHasPostImportCategory": False, "indexer": "ExampleIndexer (Prowlarr)",
            "outputPath": f"/downloads/complete/{title}", "episodeHasFile": False, "sizeleft": sizeleft,
            "id": self.next_id()}
        if timeleft is not None:
            record["timeleft"] = timeleft
        if error_message:
            record["errorMessage"] = error_message
        self.queue.append(record)
        return record

    def add_calendar_episode(self, episode_id: int, air: datetime) -> dict:
        ep = dict(self.episodes[episode_id], airDateUtc=iso(air), airDate=air.date().isoformat(),
                  series=self.series[self.episodes[episode_id]["seriesId"]])
        self.calendar.append(ep)
        return ep

    def build_large(self) -> None:
        for i in range(1, 2001):
            self.add_series(i, f"Series {i}", 300000 + i, seasons=5, per_season=10, with_files=False)

    def _embed(self, record: dict) -> dict:
        out = dict(record)
        if request.args.get("includeSeries") == "true" and record.get("seriesId") in self.series:
            out["series"] = self.series[record["seriesId"]]
        if request.args.get("includeEpisode") == "true" and record.get("episodeId") in self.episodes:
            out["episode"] = self.episodes[record["episodeId"]]
        return out

    def _auto_research(self, record: dict) -> None:
        if record.get("episodeId"):
            self._record_command("EpisodeSearch", {"episodeIds": [record["episodeId"]]})

    def _in_window(self, item, start, end) -> bool:
        return start <= parse_iso(item["airDateUtc"]) <= end

    def extra_routes(self, app: Flask) -> None:
        @app.get("/api/v3/series")
        def series_list():
            tvdb = request.args.get("tvdbId", type=int)
            items = list(self.series.values())
            if tvdb is not None:
                items = [s for s in items if s["tvdbId"] == tvdb]
            return jsonify(items)

        @app.get("/api/v3/series/<int:sid>")
        def series_one(sid):
            if sid not in self.series:
                abort(404)
            return jsonify(self.series[sid])

        @app.get("/api/v3/episode")
        def episodes():
            sid = request.args.get("seriesId", type=int)
            ids = request.args.get("episodeIds")
            if sid is None and not ids:
                return jsonify({"message": "seriesId or episodeIds must be provided"}), 400
            items = [e for e in self.episodes.values() if sid is None or e["seriesId"] == sid]
            if request.args.get("seasonNumber") is not None:
                items = [e for e in items if e["seasonNumber"] == request.args.get("seasonNumber", type=int)]
            if ids:
                wanted = {int(i) for i in ids.split(",")}
                items = [e for e in items if e["id"] in wanted]
            return jsonify(items)

        @app.delete("/api/v3/episodefile/<int:fid>")
        def delete_file(fid):
            if fid not in self.episode_files:
                abort(404)
            del self.episode_files[fid]
            self.deleted_files.append(fid)
            for ep in self.episodes.values():
                if ep["episodeFileId"] == fid:
                    ep["episodeFileId"], ep["hasFile"] = 0, False
            return "", 200


class FakeRadarr(FakeArr):
    name = "radarr"
    app_name = "Radarr"
    version = "5.28.0.10274"
    history_names = RADARR_HISTORY
    command_names = RADARR_COMMANDS

    def __init__(self, api_key: str = "arr-key", *, large: bool = False):
        self.movies: dict[int, dict] = {}
        self.movie_files: dict[int, dict] = {}
        super().__init__(api_key, large=large)

    def add_movie(self, movie_id: int, title: str, tmdb_id: int, *, year: int = 2024, has_file: bool = True,
                  is_available: bool = True, in_cinemas: str | None = "2024-06-01",
                  digital: str | None = "2024-08-01", physical: str | None = "2024-09-10",
                  release_date: str | None = None, quality_profile_id: int = 1) -> dict:
        file_id = movie_id + 700000 if has_file else 0
        movie = {"id": movie_id, "title": title, "tmdbId": tmdb_id, "imdbId": f"tt{tmdb_id:07d}", "year": year,
                 "hasFile": has_file, "movieFileId": file_id, "monitored": True, "isAvailable": is_available,
                 "path": f"/movies/{title} ({year})", "qualityProfileId": quality_profile_id,
                 "releaseDate": release_date or physical or "9999-12-31", "images": []}
        for key, value in (("inCinemas", in_cinemas), ("digitalRelease", digital), ("physicalRelease", physical)):
            if value:
                movie[key] = f"{value}T00:00:00Z"
        self.movies[movie_id] = movie
        if has_file:
            self.movie_files[file_id] = {"id": file_id, "movieId": movie_id, "quality": quality("Bluray-1080p"),
                                         "relativePath": f"{title} ({year}).mkv"}
        return movie

    def add_queue_item(self, movie_id: int, *, download_id: str, title: str = "", status: str = "downloading",
                       tracked_status: str = "ok", tracked_state: str = "downloading", messages=(),
                       error_message: str = "", size: int = 9_876_543_210, sizeleft: int = 5_000_000_000,
                       timeleft: str | None = "00:10:00", added: datetime | None = None) -> dict:
        movie = self.movies[movie_id]
        record = {
            "movieId": movie_id, "movie": movie, "languages": [{"id": 1, "name": "English"}],
            "quality": quality("Bluray-1080p"), "customFormats": [], "customFormatScore": 0, "size": size,
            "title": title or f"{movie['title']}.{movie['year']}.1080p", "added": iso(added or datetime.now(UTC)),
            "status": status, "trackedDownloadStatus": tracked_status, "trackedDownloadState": tracked_state,
            "statusMessages": [{"title": title or movie["title"], "messages": list(messages)}] if messages else [],
            "downloadId": download_id, "protocol": "torrent", "downloadClient": "qBittorrent",
            "downloadClientHasPostImportCategory": False, "indexer": "ExampleIndexer (Prowlarr)",
            "outputPath": f"/downloads/complete/{title}", "sizeleft": sizeleft, "id": self.next_id()}
        if timeleft is not None:
            record["timeleft"] = timeleft
        if error_message:
            record["errorMessage"] = error_message
        self.queue.append(record)
        return record

    def add_calendar_movie(self, movie_id: int) -> dict:
        self.calendar.append(self.movies[movie_id])
        return self.movies[movie_id]

    def build_large(self) -> None:
        for i in range(1, 2001):
            self.add_movie(i, f"Film {i}", 600000 + i)

    def _embed(self, record: dict) -> dict:
        out = dict(record)
        if request.args.get("includeMovie") == "true" and record.get("movieId") in self.movies:
            out["movie"] = self.movies[record["movieId"]]
        return out

    def _auto_research(self, record: dict) -> None:
        if record.get("movieId"):
            self._record_command("MoviesSearch", {"movieIds": [record["movieId"]]})

    def _in_window(self, item, start, end) -> bool:
        for key in ("inCinemas", "digitalRelease", "physicalRelease"):
            if item.get(key) and start <= parse_iso(item[key]) <= end:
                return True
        return False

    def extra_routes(self, app: Flask) -> None:
        @app.get("/api/v3/movie")
        def movies():
            tmdb = request.args.get("tmdbId", type=int)
            items = list(self.movies.values())
            if tmdb is not None:
                items = [m for m in items if m["tmdbId"] == tmdb]
            return jsonify(items)

        @app.get("/api/v3/movie/<int:mid>")
        def movie(mid):
            if mid not in self.movies:
                abort(404)
            return jsonify(self.movies[mid])

        @app.get("/api/v3/history/movie")
        def movie_history():
            mid = request.args.get("movieId", type=int)
            items = [r for r in self.history if r.get("movieId") == mid]
            if request.args.get("eventType"):
                items = [r for r in items if r["eventType"] == self.history_names[int(request.args["eventType"])]]
            return jsonify(sorted(items, key=lambda r: r["date"], reverse=True))

        @app.delete("/api/v3/moviefile/<int:fid>")
        def delete_file(fid):
            if fid not in self.movie_files:
                abort(404)
            movie_id = self.movie_files.pop(fid)["movieId"]
            self.deleted_files.append(fid)
            self.movies[movie_id].update(hasFile=False, movieFileId=0)
            return "", 200
