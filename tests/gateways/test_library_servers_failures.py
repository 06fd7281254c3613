"""The Plex and Jellyfin gateways when the server misbehaves at the first call (connecting, the
identity, the Test button): what is worth retrying, what needs the admin, and what the admin reads."""
from __future__ import annotations

import pytest

from plexportal.gateways import jellyfin, plex
from plexportal.gateways.base import GatewayError


def plex_client(fake, token=None, **kw):
    kw.setdefault("retries", 0)
    kw.setdefault("timeout", 5)
    return plex.PlexClient(plex.PlexSettings(fake.url, fake.token if token is None else token), **kw)


@pytest.mark.parametrize("status,permanent,words", [
    (500, False, "Plex is not answering normally (500); will retry."),
    (503, False, "Plex is not answering normally (503); will retry."),
    (429, False, "Plex is not answering normally (429); will retry."),
    (400, True, "Plex refused the request: (400)"),
    (404, True, "Plex answered 404 Not Found: check the URL."),
    (401, True, "Plex rejected the token (401): copy the X-Plex-Token again."),
])
def test_a_server_failing_at_connect_is_retried_only_when_it_may_recover(fake_plex, status, permanent, words):
    fake_plex.fail_next(status, "<html>nope</html>", path="/")
    with pytest.raises(GatewayError) as err:
        plex_client(fake_plex).info()
    assert err.value.message.startswith(words)
    assert err.value.permanent is permanent and err.value.status == status


def test_a_restarting_server_is_asked_once_more_and_then_answers(fake_plex):
    fake_plex.fail_next(503, path="/")
    assert plex_client(fake_plex, retries=1).info().machine_identifier == "machine-abc123"
    assert len(fake_plex.calls) == 2


def test_a_redirect_is_refused_and_the_token_not_sent_on(fake_plex):
    fake_plex.fail_next(301, path="/")
    with pytest.raises(GatewayError, match="does not follow redirects") as err:
        plex_client(fake_plex).info()
    assert err.value.permanent and err.value.status == 301


def test_the_test_button_answers_in_words_whatever_happens(fake_plex):
    fake_plex.fail_next(503, path="/")
    result = plex.check(fake_plex.url, fake_plex.token)
    assert not result.ok and result.message == "Plex is not answering normally (503); will retry."
    nothing = plex.check("http://127.0.0.1:9", "t")
    assert not nothing.ok and "refused the connection" in nothing.message
    bad = plex.check("not a url", "t")
    assert not bad.ok and bad.message == "The Plex URL is not valid."
    ok = plex.check(fake_plex.url, fake_plex.token)
    assert ok.ok and ok.message.startswith("Connected to Harbour Server")


def test_a_page_that_is_not_plex_is_named_as_such(fake_plex):
    fake_plex.fail_next(200, "<html><body>Welcome to nginx!", path="/")
    with pytest.raises(GatewayError) as err:
        plex_client(fake_plex).info()
    assert err.value.message == "Plex answered something that is not its API (an HTML page? check the URL)."


def test_libraries_failing_after_connecting_are_retried(fake_plex):
    client = plex_client(fake_plex)
    client.info()
    fake_plex.fail_next(502, path="/library/sections")
    with pytest.raises(GatewayError) as err:
        client.libraries()
    assert not err.value.permanent


# -- Jellyfin ------------------------------------------------------------------------------------------

def jellyfin_client(fake, key=None, **kw):
    kw.setdefault("retries", 0)
    return jellyfin.JellyfinClient(jellyfin.JellyfinSettings(fake.url, fake.api_key if key is None else key), **kw)


def test_jellyfin_needs_an_address():
    with pytest.raises(GatewayError, match="not configured") as err:
        jellyfin.JellyfinClient(jellyfin.JellyfinSettings("", "k"))
    assert err.value.permanent
    assert jellyfin.check("", "k").message == "Jellyfin is not configured (no URL)."


def test_something_that_is_not_jellyfin_is_named_as_such(fake_jellyfin):
    fake_jellyfin.fail_next(200, {"hello": "world"}, path="/System/Info/Public")
    with pytest.raises(GatewayError, match="does not look like Jellyfin") as err:
        jellyfin_client(fake_jellyfin).public_info()
    assert err.value.permanent


def test_jellyfin_lookups_fail_before_paging_when_the_server_is_not_jellyfin(fake_jellyfin):
    fake_jellyfin.add_item("Example Movie", Tmdb=1)
    fake_jellyfin.fail_next(200, [1, 2, 3], path="/System/Info/Public")
    with pytest.raises(GatewayError):
        jellyfin_client(fake_jellyfin).find_item("movie", {"tmdb": 1})
    assert fake_jellyfin.calls_to("/Items") == []


def test_jellyfin_sends_its_key_only_in_the_header_and_never_follows_a_redirect(fake_jellyfin):
    fake_jellyfin.fail_next(302, path="/System/Info")
    result = jellyfin_client(fake_jellyfin).check()
    assert not result.ok and "does not follow redirects" in result.message
    [call] = fake_jellyfin.calls
    assert call.headers["Authorization"] == 'MediaBrowser Token="jf-key"' and "jf-key" not in call.raw_query


def test_jellyfin_odd_episode_rows_are_skipped_not_fatal(fake_jellyfin):
    show = fake_jellyfin.add_item("Show", "Series", episodes=[(1, 1)], Tvdb=5)
    client = jellyfin_client(fake_jellyfin)
    fake_jellyfin.fail_next(200, {"Items": [{"Id": "a", "ParentIndexNumber": 1, "IndexNumber": 2},
                                            {"Id": "b", "ParentIndexNumber": None, "IndexNumber": 3},
                                            {"Id": "c", "ParentIndexNumber": "1", "IndexNumber": 4}]},
                            path=f"/Shows/{show}/Episodes")
    item = client.find_item("tv", {"tvdb": 5})
    assert item.episodes == {(1, 2): "a"}


def test_jellyfin_hanging_is_a_timeout_worth_retrying(fake_jellyfin):
    fake_jellyfin.fail_next(0, path="/System/Info", delay=1.0)
    result = jellyfin.JellyfinClient(jellyfin.JellyfinSettings(fake_jellyfin.url, "jf-key"), retries=0,
                                     timeout=(1.0, 0.3)).check()
    assert not result.ok and "did not answer in time" in result.message
