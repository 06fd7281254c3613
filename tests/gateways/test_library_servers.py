"""The Plex and Jellyfin gateways against their fakes: identity, the library lookup by external
ids (never by title), paging, episodes, and what each kind of failure becomes."""
from __future__ import annotations

import pytest

from plexportal.gateways import jellyfin, plex
from plexportal.gateways.base import GatewayError


def plex_client(fake, token: str | None = None, **kw) -> plex.PlexClient:
    kw.setdefault("retries", 0)
    kw.setdefault("timeout", 5)
    return plex.PlexClient(plex.PlexSettings(fake.url, fake.token if token is None else token), **kw)


def jellyfin_client(fake, key: str | None = None, **kw) -> jellyfin.JellyfinClient:
    kw.setdefault("retries", 0)
    return jellyfin.JellyfinClient(jellyfin.JellyfinSettings(fake.url, fake.api_key if key is None else key), **kw)


# -- Plex ----------------------------------------------------------------------------------------

def test_plex_identity_check_and_libraries():
    from tests.fakes.plextv import FakePlexWithLibraries

    fake = FakePlexWithLibraries().start()
    try:
        client = plex_client(fake)
        assert client.info() == plex.ServerInfo("Harbour Server", "1.41.3.9314-a0bfb8370", "machine-abc123")
        assert client.check().message == "Connected to Harbour Server (Plex 1.41.3.9314-a0bfb8370)."
        info, libraries = plex.list_libraries(plex.PlexSettings(fake.url, fake.token), timeout=5)
        assert info.machine_identifier == "machine-abc123"
        assert [(lib.key, lib.title, lib.type) for lib in libraries] == [("1", "Movies", "movie"),
                                                                         ("2", "TV Shows", "show")]
    finally:
        fake.stop()


def test_plex_finds_a_film_by_any_of_its_ids_and_links_to_it(fake_plex):
    key = fake_plex.add_movie("Example Movie", tmdb=550123, imdb="tt7654321")
    client = plex_client(fake_plex)
    item = client.find_item("movie", {"imdb": "tt7654321"})
    assert (item.rating_key, item.title, item.episodes) == (key, "Example Movie", {})
    assert item.web_url.endswith(f"/server/machine-abc123/details?key=%2Flibrary%2Fmetadata%2F{key}")
    assert client.find_item("movie", {"tmdb": 1}) is None
    assert client.find_item("tv", {"tmdb": 550123}) is None             # a film is not a show


def test_plex_finds_a_show_with_its_episodes(fake_plex):
    show = fake_plex.add_show("The Example Show", tvdb=371234, episodes=[(1, 1), (1, 2), (2, 1)])
    item = plex.find_item(plex.PlexSettings(fake_plex.url, fake_plex.token), "tv", {"tvdb": 371234, "tmdb": None})
    assert item.rating_key == show and sorted(item.episodes) == [(1, 1), (1, 2), (2, 1)]
    assert item.episode_url(1, 2).endswith("%2F" + item.episodes[(1, 2)])


def test_plex_pages_through_a_section(fake_plex, monkeypatch):
    monkeypatch.setattr(plex, "PAGE_SIZE", 4)
    for i in range(9):
        fake_plex.add_movie(f"Film {i}", tmdb=1000 + i)
    assert plex_client(fake_plex).find_item("movie", {"tmdb": 1008}).title == "Film 8"
    starts = [c.query["X-Plex-Container-Start"] for c in fake_plex.calls if c.path.endswith("/all")]
    assert starts == ["0", "4", "8"]
    assert all(c.query["includeGuids"] == "1" for c in fake_plex.calls if c.path.endswith("/all"))


def test_plex_lookup_without_ids_asks_nothing(fake_plex):
    assert plex.find_item(plex.PlexSettings(fake_plex.url, fake_plex.token), "movie", {"tmdb": None}) is None
    assert fake_plex.calls == []


@pytest.mark.parametrize("status,body,permanent", [
    (401, "<html><body>401 Unauthorized</body></html>", True),
    (500, "", False),
])
def test_plex_failures_become_gateway_errors(fake_plex, status, body, permanent):
    fake_plex.add_movie("Example Movie", tmdb=550123)
    client = plex_client(fake_plex)
    client.info()                                                 # connected
    fake_plex.fail_next(status, body, path="/library/sections")
    with pytest.raises(GatewayError) as err:
        client.find_item("movie", {"tmdb": 550123})
    assert err.value.permanent is permanent


def test_plex_wrong_token_missing_url_and_hang(fake_plex):
    with pytest.raises(GatewayError, match="rejected the token") as err:
        plex_client(fake_plex, token="wrong").info()
    assert err.value.permanent and err.value.status == 401
    with pytest.raises(GatewayError, match="not configured"):
        plex.PlexClient(plex.PlexSettings("", "t"))
    assert not plex.check("", "t").ok
    fake_plex.fail_next(0, path="/library/sections", delay=1.5)
    client = plex_client(fake_plex, timeout=0.5)
    client.info()
    with pytest.raises(GatewayError, match="did not answer in time") as err:
        client.find_item("movie", {"tmdb": 1})
    assert not err.value.permanent


# -- Jellyfin ------------------------------------------------------------------------------------

def test_jellyfin_check_and_public_info(fake_jellyfin):
    client = jellyfin_client(fake_jellyfin)
    assert client.public_info()["Id"] == "f1e2d3c4b5a6"
    assert client.check().message == "Connected to Harbour Jellyfin (Jellyfin 10.11.11)."
    assert "rejected the credentials (401)" in jellyfin_client(fake_jellyfin, key="wrong").check().message


def test_jellyfin_finds_by_provider_id_page_by_page(fake_jellyfin, monkeypatch):
    monkeypatch.setattr(jellyfin, "PAGE_SIZE", 3)
    for i in range(7):
        fake_jellyfin.add_item(f"Film {i}", Tmdb=1000 + i)
    wanted = fake_jellyfin.add_item("Example Movie", Tmdb=550123, Imdb="tt7654321")
    item = jellyfin_client(fake_jellyfin).find_item("movie", {"imdb": "tt7654321", "tvdb": None})
    assert item.item_id == wanted and item.title == "Example Movie"
    assert item.web_url == (f"{fake_jellyfin.url}/web/index.html#!/details?id={wanted}&context=home"
                            "&serverId=f1e2d3c4b5a6")
    starts = [c.query["StartIndex"] for c in fake_jellyfin.calls_to("/Items")]
    assert starts == ["0", "3", "6"]


def test_jellyfin_finds_a_series_with_its_episodes(fake_jellyfin):
    fake_jellyfin.add_item("Example Movie", Tvdb=371234)               # a film with that id is not the show
    show = fake_jellyfin.add_item("The Example Show", "Series", episodes=[(1, 1), (1, 2)], Tvdb=371234)
    item = jellyfin.find_item(jellyfin.JellyfinSettings(fake_jellyfin.url, "jf-key"), "tv", {"tvdb": 371234})
    assert item.item_id == show and sorted(item.episodes) == [(1, 1), (1, 2)]
    assert jellyfin_client(fake_jellyfin).find_item("tv", {"tvdb": 1}) is None


def test_jellyfin_lookup_without_known_ids_asks_nothing(fake_jellyfin):
    assert jellyfin.find_item(jellyfin.JellyfinSettings(fake_jellyfin.url, "jf-key"), "movie",
                              {"tmdb": None, "anidb": 5}) is None
    assert fake_jellyfin.calls == []


@pytest.mark.parametrize("status,body,permanent,words", [
    (500, "", False, "internal error"),
    (200, "<html>Sign in</html>", True, "did not answer with JSON"),
    (200, {"Unexpected": True}, False, "without an item list"),
])
def test_jellyfin_failures_become_gateway_errors(fake_jellyfin, status, body, permanent, words):
    fake_jellyfin.fail_next(status, body, path="/Items")
    with pytest.raises(GatewayError, match=words) as err:
        jellyfin_client(fake_jellyfin).find_item("movie", {"tmdb": 1})
    assert err.value.permanent is permanent
