"""The one requests.Session every gateway uses: it never follows a redirect (a key must not travel
to another address), retries only idempotent calls, names itself, and never waits forever."""
from __future__ import annotations

import pytest
import requests
from flask import Flask, Response, request

from plexportal import __version__
from plexportal.lib import http
from tests.fakes.server import FakeService


class Upstream(FakeService):
    name = "upstream"

    def __init__(self, elsewhere: str = ""):
        self.elsewhere = elsewhere
        super().__init__()

    def routes(self, app: Flask) -> None:
        @app.route("/moved", methods=["GET", "POST"])
        def moved():
            return Response("", 302, headers={"Location": self.elsewhere + "/steal"})

        @app.route("/steal", methods=["GET", "POST"])
        def steal():
            return "stolen " + request.headers.get("X-Api-Key", "")

        @app.route("/ok", methods=["GET", "POST", "PUT", "DELETE"])
        def ok():
            return "ok"


@pytest.fixture
def pair():
    thief = Upstream().start()
    origin = Upstream(elsewhere=thief.url).start()
    yield origin, thief
    origin.stop()
    thief.stop()


def test_it_hands_back_a_redirect_instead_of_following_it_with_the_key(pair):
    origin, thief = pair
    s = http.session(retries=0)
    for method in ("GET", "POST"):
        r = s.request(method, origin.url + "/moved", headers={"X-Api-Key": "secret"})
        assert r.status_code == 302 and r.headers["Location"] == thief.url + "/steal"
    r = s.get(origin.url + "/moved", headers={"X-Api-Key": "secret"}, allow_redirects=True)   # asked to: still no
    assert r.status_code == 302
    assert thief.calls == []


def test_it_retries_idempotent_calls_on_a_503_but_never_a_post(pair):
    origin, _ = pair
    s = http.session(retries=2)
    origin.fail_next(503, path="/ok", times=2)
    assert s.get(origin.url + "/ok").text == "ok"
    assert len(origin.calls_to("/ok", "GET")) == 3
    origin.reset_calls()
    origin.fail_next(503, path="/ok", times=2)
    r = s.post(origin.url + "/ok")
    assert r.status_code == 503 and len(origin.calls_to("/ok", "POST")) == 1       # a POST may have landed


def test_it_gives_back_the_last_answer_when_retries_run_out(pair):
    origin, _ = pair
    origin.fail_next(502, path="/ok", times=5)
    r = http.session(retries=1).delete(origin.url + "/ok")
    assert r.status_code == 502 and len(origin.calls) == 2


def test_it_does_not_retry_a_client_error(pair):
    origin, _ = pair
    origin.fail_next(404, path="/ok", times=3)
    assert http.session(retries=2).get(origin.url + "/ok").status_code == 404
    assert len(origin.calls) == 1


def test_it_names_itself(pair):
    origin, _ = pair
    http.session().get(origin.url + "/ok")
    assert origin.calls[0].headers["User-Agent"] == f"plexportal/{__version__}"


def test_it_applies_its_timeout_unless_the_caller_gives_one(pair):
    origin, _ = pair
    origin.delay = 0.6
    s = http.session(retries=0, timeout=(1.0, 0.2))
    with pytest.raises(requests.ConnectionError, match="Read timed out"):
        s.get(origin.url + "/ok")
    assert s.get(origin.url + "/ok", timeout=3).text == "ok"             # a caller may ask for longer


def test_it_fails_fast_when_nothing_listens():
    s = http.session(retries=0)
    with pytest.raises(requests.ConnectionError):
        s.get("http://127.0.0.1:9/", timeout=2)
