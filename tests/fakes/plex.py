"""Fake Plex Media Server: XML like the real one (plexapi sends no Accept header), token required.

Libraries: `add_movie(...)` and `add_show(...)` put items in the Movies / TV Shows sections with
Guid tags (tmdb://, tvdb://, imdb://); the listing pages with X-Plex-Container-Start/Size and only
includes Guid tags when asked with includeGuids=1, as PMS does.
"""
from __future__ import annotations

from xml.sax.saxutils import quoteattr

from flask import Flask, Response, request

from tests.fakes.server import FakeService


class FakePlex(FakeService):
    name = "plex"

    def __init__(self, token: str = "plex-token", machine_identifier: str = "machine-abc123",
                 friendly_name: str = "Harbour Server"):
        self.token = token
        self.machine_identifier = machine_identifier
        self.friendly_name = friendly_name
        self.movies: list[dict] = []
        self.shows: list[dict] = []
        self._next_key = 1000
        super().__init__()

    # -- library state ------------------------------------------------------------------------
    def _key(self) -> str:
        self._next_key += 1
        return str(self._next_key)

    def add_movie(self, title: str, year: int = 2024, *, tmdb=None, imdb=None, legacy_guid: str = "") -> str:
        key = self._key()
        self.movies.append({"ratingKey": key, "title": title, "year": year, "guids": _guids(tmdb=tmdb, imdb=imdb),
                            "guid": legacy_guid or f"plex://movie/{key}abc"})
        return key

    def add_show(self, title: str, *, tvdb=None, tmdb=None, imdb=None, episodes=()) -> str:
        key = self._key()
        show = {"ratingKey": key, "title": title, "year": 2023, "guids": _guids(tmdb=tmdb, tvdb=tvdb, imdb=imdb),
                "guid": f"plex://show/{key}abc", "episodes": {}}
        self.shows.append(show)
        for season, episode in episodes:
            self.add_episode(key, season, episode)
        return key

    def add_episode(self, show_key: str, season: int, episode: int) -> str:
        show = next(s for s in self.shows if s["ratingKey"] == show_key)
        key = self._key()
        show["episodes"][(season, episode)] = key
        return key

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

        @app.get("/library/sections")
        def sections():
            return self.xml('<MediaContainer size="2" allowSync="0" title1="Plex Library">'
                            '<Directory allowSync="1" art="/:/resources/movie-fanart.jpg" key="1" type="movie" '
                            'title="Movies" agent="tv.plex.agents.movie" scanner="Plex Movie" language="en-US" '
                            'uuid="s-movies" updatedAt="1700000000" createdAt="1600000000" />'
                            '<Directory allowSync="1" key="2" type="show" title="TV Shows" '
                            'agent="tv.plex.agents.series" scanner="Plex TV Series" language="en-US" '
                            'uuid="s-tv" updatedAt="1700000000" createdAt="1600000000" />'
                            '</MediaContainer>')

        @app.get("/library/sections/<key>/all")
        def section_all(key):
            items = self.movies if key == "1" else self.shows if key == "2" else None
            if items is None:
                return self.xml("<MediaContainer/>", 404)
            start = int(request.headers.get("X-Plex-Container-Start", request.args.get("X-Plex-Container-Start", 0)))
            size = int(request.headers.get("X-Plex-Container-Size", request.args.get("X-Plex-Container-Size", 50)))
            with_guids = request.args.get("includeGuids") == "1"
            tag = "Video" if key == "1" else "Directory"
            kind = "movie" if key == "1" else "show"
            rows = []
            for item in items[start:start + size]:
                guids = "".join(f"<Guid id={quoteattr(g)} />" for g in item["guids"]) if with_guids else ""
                rows.append(f'<{tag} ratingKey="{item["ratingKey"]}" key="/library/metadata/{item["ratingKey"]}" '
                            f'guid={quoteattr(item["guid"])} type="{kind}" title={quoteattr(item["title"])} '
                            f'year="{item["year"]}" addedAt="1700000000">{guids}</{tag}>')
            return self.xml(f'<MediaContainer size="{len(rows)}" totalSize="{len(items)}" offset="{start}" '
                            f'librarySectionID="{key}">{"".join(rows)}</MediaContainer>')

        @app.get("/library/metadata/<key>/allLeaves")
        def all_leaves(key):
            show = next((s for s in self.shows if s["ratingKey"] == key), None)
            if show is None:
                return self.xml("<MediaContainer/>", 404)
            rows = "".join(f'<Video ratingKey="{rk}" key="/library/metadata/{rk}" parentRatingKey="{key}" '
                           f'grandparentRatingKey="{key}" type="episode" title="Episode {e}" '
                           f'grandparentTitle={quoteattr(show["title"])} parentIndex="{s}" index="{e}" />'
                           for (s, e), rk in sorted(show["episodes"].items()))
            return self.xml(f'<MediaContainer size="{len(show["episodes"])}">{rows}</MediaContainer>')


def _guids(**ids) -> list[str]:
    return [f"{name}://{value}" for name, value in ids.items() if value]
