"""Every gateway call, every way an upstream can fail: each ends in a GatewayError whose `permanent`
says whether trying again can help (a wrong key, a wrong URL or something that is not the API: no;
a crash, an overload or a hang: yes). Nothing else escapes, and nothing is followed."""
from __future__ import annotations

import socket
from datetime import UTC, datetime

import pytest

from plexportal.gateways.base import GatewayError
from tests.gateways.helpers import QUICK, radarr_client, seerr_client, sonarr_client

T = datetime(2024, 5, 1, tzinfo=UTC)

# (name, which fake, the call, the path it uses, returns data?)
CALLS = [
    ("sonarr.system_status", "sonarr", lambda c: c.system_status(), "/api/v3/system/status", True),
    ("sonarr.queue", "sonarr", lambda c: c.queue(), "/api/v3/queue", True),
    ("sonarr.remove_from_queue", "sonarr", lambda c: c.remove_from_queue(1), "/api/v3/queue/1", False),
    ("sonarr.history_since", "sonarr", lambda c: c.history_since(T), "/api/v3/history/since", True),
    ("sonarr.history", "sonarr", lambda c: c.history(), "/api/v3/history", True),
    ("sonarr.episode_history", "sonarr", lambda c: c.episode_history(1), "/api/v3/history", True),
    ("sonarr.mark_history_failed", "sonarr", lambda c: c.mark_history_failed(1), "/api/v3/history/failed", False),
    ("sonarr.redownloads_failed", "sonarr", lambda c: c.redownloads_failed(), "/api/v3/config", True),
    ("sonarr.calendar", "sonarr", lambda c: c.calendar(T, T), "/api/v3/calendar", True),
    ("sonarr.series_by_tvdb", "sonarr", lambda c: c.series_by_tvdb(1), "/api/v3/series", True),
    ("sonarr.episodes", "sonarr", lambda c: c.episodes(1, 1), "/api/v3/episode", True),
    ("sonarr.episode_search", "sonarr", lambda c: c.episode_search([1]), "/api/v3/command", True),
    ("sonarr.refresh_series", "sonarr", lambda c: c.refresh_series(1), "/api/v3/command", True),
    ("sonarr.delete_episode_file", "sonarr", lambda c: c.delete_episode_file(1), "/api/v3/episodefile", False),
    ("radarr.queue", "radarr", lambda c: c.queue(), "/api/v3/queue", True),
    ("radarr.movie_by_tmdb", "radarr", lambda c: c.movie_by_tmdb(1), "/api/v3/movie", True),
    ("radarr.movie_history", "radarr", lambda c: c.movie_history(1), "/api/v3/history/movie", True),
    ("radarr.calendar", "radarr", lambda c: c.calendar(T, T), "/api/v3/calendar", True),
    ("radarr.movies_search", "radarr", lambda c: c.movies_search([1]), "/api/v3/command", True),
    ("radarr.refresh_movie", "radarr", lambda c: c.refresh_movie(1), "/api/v3/command", True),
    ("radarr.delete_movie_file", "radarr", lambda c: c.delete_movie_file(1), "/api/v3/moviefile", False),
    ("seerr.status", "seerr", lambda c: c.status(), "/api/v1/status", True),
    ("seerr.users", "seerr", lambda c: list(c.users()), "/api/v1/user", True),
    ("seerr.requests", "seerr", lambda c: list(c.requests()), "/api/v1/request", True),
    ("seerr.requests_by_filter", "seerr", lambda c: c.requests_by_filter("processing"), "/api/v1/request", True),
    ("seerr.details", "seerr", lambda c: c.details("movie", 1), "/api/v1/movie", True),
    ("seerr.search", "seerr", lambda c: c.search("x"), "/api/v1/search", True),
    ("seerr.create_request", "seerr", lambda c: c.create_request("movie", 1, as_user=1), "/api/v1/request", True),
    ("seerr.issue", "seerr", lambda c: c.issue(1), "/api/v1/issue", True),
    ("seerr.comment_issue", "seerr", lambda c: c.comment_issue(1, "hi"), "/api/v1/issue", True),
    ("seerr.resolve_issue", "seerr", lambda c: c.resolve_issue(1), "/api/v1/issue", True),
]
MAKERS = {"sonarr": sonarr_client, "radarr": radarr_client, "seerr": seerr_client}
HTML = "<!doctype html><html><body><form action=/login>Sign in</form></body></html>"

# (answer the fake gives, permanent?, status on the error, words in the message)
ANSWERS = {
    "401": ((401, {"error": "Unauthorized"}), True, 401, "rejected the credentials"),
    "403": ((403, {"status": 403, "error": "You do not have permission"}), True, 403, "rejected the credentials"),
    "404": ((404, "Not Found"), True, 404, "404 Not Found"),
    "500": ((500, {"message": "boom"}), False, 500, "internal error (500)"),
    "503": ((503, "Service Unavailable"), False, 503, "internal error (503)"),
    "429": ((429, ""), False, 429, "rate limiting"),
    "redirect": ((302, ""), True, 302, "does not follow redirects"),
    "html": ((200, HTML), True, None, ""),
    "garbage json": ((200, '{"records": [1, 2'), True, None, ""),
}

# Seerr explains a refused request itself (quota, duplicate, permission): its words are shown.
OWN_WORDS = {("seerr.create_request", "403"): "Seerr refused the request (403): You do not have permission."}


def _fake(request, which: str):
    return request.getfixturevalue({"sonarr": "fake_sonarr", "radarr": "fake_radarr", "seerr": "seerr_fake"}[which])


@pytest.mark.parametrize("answer", list(ANSWERS))
@pytest.mark.parametrize("name,which,call,path,returns", CALLS, ids=[c[0] for c in CALLS])
def test_every_call_turns_every_bad_answer_into_a_gateway_error(request, name, which, call, path, returns, answer):
    fake = _fake(request, which)
    (status, body), permanent, code, words = ANSWERS[answer]
    fake.fail_next(status, body, path=path)
    client = MAKERS[which](fake)
    with pytest.raises(GatewayError) as err:
        call(client)
    assert err.value.permanent is permanent, err.value.message
    assert err.value.status == code
    assert OWN_WORDS.get((name, answer), words) in err.value.message
    assert "Traceback" not in err.value.message and "boom" not in err.value.message   # never the upstream body
    assert len(fake.calls_to(path)) == 1                                          # no retry, no redirect followed


@pytest.mark.parametrize("name,which,call,path,returns", [c for c in CALLS if c[4]], ids=[c[0] for c in CALLS if c[4]])
def test_an_answer_of_the_wrong_shape_is_a_permanent_error(request, name, which, call, path, returns):
    fake = _fake(request, which)
    fake.fail_next(200, "a string, not a resource", path=path)
    fake.fail_next(200, '"a string, not a resource"', path=path)        # JSON, but of no use
    client = MAKERS[which](fake)
    for _ in range(2):
        with pytest.raises(GatewayError) as err:
            call(client)
        assert err.value.permanent, err.value.message


@pytest.mark.parametrize("name,which,call,path,returns", CALLS, ids=[c[0] for c in CALLS])
def test_a_hung_upstream_is_a_timeout_worth_retrying(request, name, which, call, path, returns):
    fake = _fake(request, which)
    fake.fail_next(0, path=path, delay=1.5)                 # accepts, then says nothing for too long
    with pytest.raises(GatewayError, match="did not answer in time") as err:
        call(MAKERS[which](fake, timeout=QUICK))
    assert not err.value.permanent and err.value.status is None


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("which", list(MAKERS))
def test_nothing_listening_is_worth_retrying(which):
    fake = type("Gone", (), {"url": f"http://127.0.0.1:{closed_port()}", "api_key": "k"})()
    with pytest.raises(GatewayError, match="refused the connection") as err:
        MAKERS[which](fake).get("anything")
    assert not err.value.permanent


@pytest.mark.parametrize("which", list(MAKERS))
def test_a_url_that_is_not_one_is_permanent(which):
    fake = type("Typo", (), {"url": "htp:/nowhere", "api_key": "k"})()
    with pytest.raises(GatewayError, match="URL is not valid") as err:
        MAKERS[which](fake).get("anything")
    assert err.value.permanent


def test_retries_repeat_only_idempotent_calls_on_overload(fake_sonarr):
    fake_sonarr.fail_next(503, "busy", path="/api/v3/queue")
    assert sonarr_client(fake_sonarr, retries=1).queue() == []              # the GET was tried again
    fake_sonarr.fail_next(503, "busy", path="/api/v3/command")
    with pytest.raises(GatewayError):
        sonarr_client(fake_sonarr, retries=1).refresh_series(1)           # a POST is never repeated
    assert len(fake_sonarr.calls_to("/api/v3/command")) == 1
