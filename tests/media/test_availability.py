"""The gate confirms items in Plex or Jellyfin by id, waits while they are missing, then sends flagged."""
from datetime import timedelta
from types import SimpleNamespace

import pytest

from plexportal.lib import clock
from plexportal.media import availability


@pytest.fixture(autouse=True)
def _fresh_cache():
    availability.clear_cache()
    yield
    availability.clear_cache()


def note(media_type="tv", items=(), ids=None, started=None):
    payload = {"media_type": media_type, "ids": ids or {"tvdb": 371234, "tmdb": 98765, "imdb": None},
               "items": [{"season": s, "episode": e, "title": ""} for s, e in items], "watch_url": ""}
    return SimpleNamespace(id=1, payload=payload, first_item_at=started or clock.now(), created_at=clock.now())


@pytest.fixture
def plex_on(set_settings, fake_plex):
    set_settings(AVAILABILITY_CHECK="plex", PLEX_URL=fake_plex.url, PLEX_TOKEN="plex-token",
                 AVAILABILITY_RETRY="60", AVAILABILITY_MAX_WAIT="3600")
    return fake_plex


def test_it_links_a_single_episode_to_the_episode_in_plex(plex_on):
    show = plex_on.add_show("The Example Show", tvdb=371234, episodes=[(2, 2)])
    ep = plex_on.add_episode(show, 2, 3)
    result = availability.gate(note(items=[(2, 3)]))
    assert result.send and not result.flag
    assert result.payload_updates["watch_url"] == (
        f"https://app.plex.tv/desktop#!/server/machine-abc123/details?key=%2Flibrary%2Fmetadata%2F{ep}")


def test_it_links_a_batch_to_the_show(plex_on):
    show = plex_on.add_show("The Example Show", tmdb=98765, episodes=[(1, 1), (1, 2)])
    result = availability.gate(note(items=[(1, 1), (1, 2)]))
    assert result.send and result.payload_updates["watch_url"].endswith(f"%2F{show}")


def test_it_waits_while_an_episode_is_missing_then_sends_flagged(plex_on):
    plex_on.add_show("The Example Show", tvdb=371234, episodes=[(1, 1)])
    clock.freeze(clock.now())
    started = clock.now()
    waiting = availability.gate(note(items=[(1, 1), (1, 2)], started=started))
    assert not waiting.send and waiting.retry_at == started + timedelta(seconds=60)
    clock.advance(timedelta(seconds=3600))
    availability.clear_cache()
    late = availability.gate(note(items=[(1, 1), (1, 2)], started=started))
    assert late.send and "S01E02 not in Plex yet" in late.flag


def test_it_confirms_a_whole_season_by_any_episode_of_it_and_links_the_show(plex_on):
    show = plex_on.add_show("The Example Show", tvdb=371234, episodes=[(2, 1)])
    result = availability.gate(note(items=[(2, -1)]))
    assert result.send and not result.flag
    assert result.payload_updates["watch_url"].endswith(f"%2F{show}")


def test_it_waits_for_a_whole_season_the_library_does_not_have(plex_on):
    plex_on.add_show("The Example Show", tvdb=371234, episodes=[(1, 1), (1, 2)])
    clock.freeze(clock.now())
    started = clock.now()
    assert not availability.gate(note(items=[(1, -1), (2, -1)], started=started)).send
    clock.advance(timedelta(seconds=3600))
    availability.clear_cache()
    late = availability.gate(note(items=[(1, -1), (2, -1)], started=started))
    assert late.send and "Season 2 not in Plex yet" in late.flag and "Season 1" not in late.flag


def test_it_confirms_a_whole_season_in_jellyfin(set_settings, fake_jellyfin):
    set_settings(AVAILABILITY_CHECK="jellyfin", JELLYFIN_URL=fake_jellyfin.url, JELLYFIN_API_KEY="jf-key")
    fake_jellyfin.add_item("The Example Show", "Series", episodes=[(2, 3)], Tvdb="371234")
    assert availability.gate(note(items=[(2, -1)])).send
    assert not availability.gate(note(items=[(3, -1)])).send


def test_it_matches_films_by_guid_never_by_title(plex_on):
    plex_on.add_movie("Example Movie", tmdb=111)                 # same title, other film
    right = plex_on.add_movie("Something Else", imdb="tt7654321")
    result = availability.gate(note("movie", ids={"tmdb": 550123, "imdb": "tt7654321"}))
    assert result.send and result.payload_updates["watch_url"].endswith(f"%2F{right}")


def test_it_understands_legacy_agent_guids(plex_on):
    key = plex_on.add_movie("Old Agent Film", legacy_guid="com.plexapp.agents.themoviedb://550123?lang=en")
    result = availability.gate(note("movie", ids={"tmdb": 550123}))
    assert result.send and result.payload_updates["watch_url"].endswith(f"%2F{key}")


def test_it_pages_through_large_libraries(plex_on, monkeypatch):
    from plexportal.gateways import plex

    monkeypatch.setattr(plex, "PAGE_SIZE", 3)
    for i in range(10):
        plex_on.add_movie(f"Film {i}", tmdb=1000 + i)
    key = plex_on.add_movie("The Last One", tmdb=550123)
    assert availability.gate(note("movie", ids={"tmdb": 550123})).payload_updates["watch_url"].endswith(key)
    starts = [c.query.get("X-Plex-Container-Start") for c in plex_on.calls if c.path.endswith("/all")]
    assert starts == ["0", "3", "6", "9"]


def test_it_keeps_waiting_when_plex_is_down(plex_on):
    plex_on.token = "changed"
    result = availability.gate(note("movie", ids={"tmdb": 550123}))
    assert not result.send


def test_it_sends_without_checking_when_set_to_none(set_settings):
    set_settings(AVAILABILITY_CHECK="none", PLEX_URL="http://127.0.0.1:9")
    assert availability.gate(note()).send


def test_it_sends_unchecked_while_no_server_is_connected(set_settings):
    set_settings(AVAILABILITY_CHECK="plex")
    result = availability.gate(note())
    assert result.send and not result.flag


def test_it_ignores_jellyfins_unfiltered_list_and_matches_provider_ids(set_settings, fake_jellyfin):
    set_settings(AVAILABILITY_CHECK="jellyfin", JELLYFIN_URL=fake_jellyfin.url, JELLYFIN_API_KEY="jf-key")
    fake_jellyfin.add_item("Decoy", "Series", Tvdb="1")
    show = fake_jellyfin.add_item("The Example Show", "Series", episodes=[(2, 3)], Tvdb="371234")
    result = availability.gate(note(items=[(2, 3)]))
    assert result.send
    assert result.payload_updates["watch_url"] == (
        f"{fake_jellyfin.url}/web/index.html#!/details?id={show}&context=home&serverId=f1e2d3c4b5a6")
    assert not availability.gate(note(items=[(2, 4)])).send
