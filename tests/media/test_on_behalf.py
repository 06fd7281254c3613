"""Request for someone: find a title in Seerr (search as you type), pick it, pick the person, and
the request is created in Seerr as them; the pasted address or TMDB id still works."""
import re
import socket

import pytest

from plexportal.auth.models import User
from plexportal.gateways import seerr
from plexportal.gateways.base import GatewayError
from plexportal.media import sync
from plexportal.media.models import MediaRequest

HX = {"HX-Request": "true"}


@pytest.fixture
def seerr_on(set_settings, fake_seerr):
    set_settings(SEERR_URL=fake_seerr.url, SEERR_API_KEY="seerr-key")
    fake_seerr.add_title("movie", 550123, "Example Movie", 2024, imdb_id="tt7654321")
    fake_seerr.add_title("tv", 98765, "The Example Show", 2023, tvdb_id=371234)
    fake_seerr.add_title("movie", 600001, "Example Sequel", None, poster=None)     # no date, no poster yet
    fake_seerr.add_title("movie", 700001, "Paper Lanterns", 2021)
    fake_seerr.add_person(31, "Example Person")
    return fake_seerr


@pytest.fixture
def dave(seerr_on):
    seerr_on.add_user(7, "dave", "dave@example.com")
    return User.create(username="dave", email="dave@example.com", seerr_user_id=7)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def picks(html: str) -> list[str]:
    return re.findall(r'<input type="radio" name="pick" value="([^"]+)" form="ob-form"', html)


def checked_pick(html: str) -> str | None:
    m = re.search(r'name="pick" value="([^"]+)" form="ob-form" checked', html)
    return m.group(1) if m else None


# -- the gateway ---------------------------------------------------------------------------------

def test_search_returns_films_and_series_without_people(seerr_on):
    seerr_on.add_user(2, "alice", "alice@example.com")
    seerr_on.add_request(1, "tv", 98765, 2, media_status=5)
    found = seerr.client().search("example")
    assert found == [
        seerr.SeerrTitle(media_type="movie", tmdb_id=550123, title="Example Movie", year=2024,
                         poster_url="https://image.tmdb.org/t/p/w92/p550123.jpg", state=""),
        seerr.SeerrTitle(media_type="tv", tmdb_id=98765, title="The Example Show", year=2023,
                         poster_url="https://image.tmdb.org/t/p/w92/p98765.jpg", state="Available"),
        seerr.SeerrTitle(media_type="movie", tmdb_id=600001, title="Example Sequel", year=None,
                         poster_url="", state="")]
    # The person was in Seerr's answer; it is dropped because a person cannot be requested.
    [call] = seerr_on.calls_to("/api/v1/search")
    assert call.headers.get("X-Api-Key") == "seerr-key"
    assert "Example Person" in str(seerr_on.search("example"))


@pytest.mark.parametrize("media_status,state", [(2, "Requested / processing"), (3, "Requested / processing"),
                                                (4, "Partly available"), (5, "Available"), (1, "")])
def test_search_says_what_seerr_already_has(seerr_on, media_status, state):
    seerr_on.add_user(2, "alice", "alice@example.com")
    seerr_on.add_request(1, "movie", 700001, 2, media_status=media_status)
    assert [r.state for r in seerr.client().search("paper")] == [state]


def test_search_sends_the_query_intact(seerr_on):
    odd = 'Fast & "Furious" + Friends 100% #1?'
    seerr_on.add_title("movie", 800001, odd, 2019)
    found = seerr.client().search(odd.upper(), page=2)
    [call] = seerr_on.calls_to("/api/v1/search")
    assert call.query == {"query": odd.upper(), "page": "2"}
    assert "%20" in call.raw_query and "+" not in call.raw_query     # spaces as %20, '+' as %2B
    assert found == []                                               # page 2 of one result
    assert [r.title for r in seerr.client().search(odd)] == [odd]


def test_search_reports_seerr_refusing_the_query(seerr_on):
    with pytest.raises(GatewayError, match=r"Seerr could not search: Search query is required\.$") as err:
        seerr.client().search("")
    assert err.value.status == 400 and err.value.permanent


def test_search_reports_a_wrong_api_key(set_settings, fake_seerr):
    set_settings(SEERR_URL=fake_seerr.url, SEERR_API_KEY="wrong")
    with pytest.raises(GatewayError, match="rejected the credentials"):
        seerr.client().search("example")


# -- the results area (htmx) ---------------------------------------------------------------------

def test_the_search_box_shows_results_to_pick_from(logged_in, seerr_on):
    seerr_on.add_user(2, "alice", "alice@example.com")
    seerr_on.add_request(1, "movie", 550123, 2, media_status=3)
    r = logged_in.get("/media/on-behalf/search?q=Example", headers=HX)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "<html" not in html
    assert picks(html) == ["movie:550123", "tv:98765", "movie:600001"] and checked_pick(html) is None
    assert "Example Person" not in html
    assert '<img class="poster poster-sm" src="https://image.tmdb.org/t/p/w92/p550123.jpg" alt="" loading="lazy">' in html
    assert "Example Movie</strong> <span class=\"muted\">(2024)</span>" in html
    assert "Series" in html and "Film" in html and "Requested / processing" in html
    assert 'poster-none' in html                                     # Example Sequel has no poster
    assert "3 found for “Example”" in html
    assert '<input type="hidden" name="q" value="Example" form="ob-form">' in html


def test_the_search_shows_at_most_ten_results(logged_in, seerr_on):
    for i in range(15):
        seerr_on.add_title("movie", 900000 + i, f"Harbour {i}", 2000 + i)
    html = logged_in.get("/media/on-behalf/search?q=harbour", headers=HX).get_data(as_text=True)
    assert len(picks(html)) == 10


def test_the_search_says_when_nothing_matches(logged_in, seerr_on):
    r = logged_in.get("/media/on-behalf/search?q=zzzz", headers=HX)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Nothing found for “zzzz”" in html and picks(html) == []


def test_an_empty_search_asks_seerr_nothing(logged_in, seerr_on):
    r = logged_in.get("/media/on-behalf/search?q=+++", headers=HX)
    assert r.status_code == 200 and r.get_data(as_text=True).strip() == ""
    assert seerr_on.calls_to("/api/v1/search") == []


def test_the_search_says_to_connect_seerr_first(logged_in):
    html = logged_in.get("/media/on-behalf/search?q=example", headers=HX).get_data(as_text=True)
    assert "Seerr is not connected yet" in html and 'href="/settings/#group-Seerr"' in html
    page = logged_in.get("/media/on-behalf").get_data(as_text=True)
    assert "Seerr is not connected yet" in page                      # said before anyone types


def test_the_search_explains_an_unreachable_seerr(logged_in, set_settings):
    set_settings(SEERR_URL=f"http://127.0.0.1:{closed_port()}", SEERR_API_KEY="seerr-key")
    r = logged_in.get("/media/on-behalf/search?q=example", headers=HX)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Seerr refused the connection" in html and "paste" in html


def test_the_search_gives_up_on_a_slow_seerr_without_retrying(logged_in, seerr_on, monkeypatch):
    monkeypatch.setattr(sync, "SEARCH_TIMEOUT", (2.0, 0.5))
    seerr_on.fail_next(0, path="/api/v1/search", delay=1.5)
    r = logged_in.get("/media/on-behalf/search?q=example", headers=HX)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Seerr accepted the connection but did not answer in time" in html
    assert len(seerr_on.calls_to("/api/v1/search")) == 1


def test_the_search_explains_a_wrong_api_key(logged_in, set_settings, fake_seerr):
    set_settings(SEERR_URL=fake_seerr.url, SEERR_API_KEY="wrong")
    html = logged_in.get("/media/on-behalf/search?q=example", headers=HX).get_data(as_text=True)
    assert "rejected the credentials" in html


def test_the_search_is_for_the_admin_only(client, admin, seerr_on):
    r = client.get("/media/on-behalf/search?q=example", headers=HX)
    assert r.headers["HX-Redirect"].startswith("/auth/login") and "Example" not in r.get_data(as_text=True)
    assert seerr_on.calls_to("/api/v1/search") == []


def test_the_search_works_without_javascript(logged_in, seerr_on):
    r = logged_in.get("/media/on-behalf/search?q=paper lanterns")
    assert r.status_code == 303 and r.headers["Location"] == "/media/on-behalf?q=paper+lanterns"
    page = logged_in.get("/media/on-behalf?q=paper+lanterns").get_data(as_text=True)
    assert picks(page) == ["movie:700001"] and 'id="ob-q" name="q" value="paper lanterns"' in page


# -- the page and the whole path -----------------------------------------------------------------

def test_the_page_searches_as_the_admin_types(logged_in, seerr_on):
    page = logged_in.get("/media/on-behalf").get_data(as_text=True)
    search_form = re.search(r'<form id="ob-search"[^>]*>', page, re.DOTALL).group(0)
    assert 'hx-get="/media/on-behalf/search"' in search_form and 'hx-target="#ob-results"' in search_form
    assert "input changed delay:" in search_form and "submit" in search_form
    assert 'method="get" action="/media/on-behalf"' in search_form
    assert '<label for="ob-q">Find a title</label>' in page and 'id="ob-title" name="title"' in page
    assert "<script" not in page.split("</header>", 1)[1].split("<footer", 1)[0]
    assert seerr_on.calls_to("/api/v1/search") == []                 # nothing asked before typing


def test_search_pick_and_submit_creates_the_request_as_that_person(logged_in, seerr_on, dave):
    html = logged_in.get("/media/on-behalf/search?q=example show", headers=HX).get_data(as_text=True)
    [pick] = picks(html)
    r = logged_in.post("/media/on-behalf", data={"pick": pick, "q": "example show", "title": "", "type": "movie",
                                                 "user_id": dave.id}, htmx=True)
    req = MediaRequest.get()
    assert r.status_code == 200 and r.headers["HX-Redirect"] == f"/media/requests/{req.id}"
    [call] = seerr_on.calls_to("/api/v1/request", "POST")
    assert call.headers.get("X-Api-User") == "7"
    assert call.json == {"mediaType": "tv", "mediaId": 98765, "seasons": "all"}
    assert (req.title, req.media_type, req.tmdb_id, req.requested_by_id, req.origin) == \
        ("The Example Show", "tv", 98765, dave.id, "on_behalf")
    page = logged_in.get(r.headers["HX-Redirect"]).get_data(as_text=True)
    assert "The Example Show" in page and "dave" in page


def test_a_picked_title_wins_over_a_pasted_address(logged_in, seerr_on, dave):
    r = logged_in.post("/media/on-behalf", data={"pick": "movie:700001", "title": f"{seerr_on.url}/tv/98765",
                                                 "user_id": dave.id}, htmx=True)
    assert "HX-Redirect" in r.headers
    [call] = seerr_on.calls_to("/api/v1/request", "POST")
    assert call.json == {"mediaType": "movie", "mediaId": 700001}


def test_without_a_pick_the_pasted_address_is_used(logged_in, seerr_on, dave):
    r = logged_in.post("/media/on-behalf", data={"pick": "", "q": "example", "title": "98765", "type": "tv",
                                                 "user_id": dave.id}, htmx=True)
    assert "HX-Redirect" in r.headers and MediaRequest.get().tmdb_id == 98765


def test_form_errors_keep_the_search_and_the_pick(logged_in, seerr_on, dave):
    r = logged_in.post("/media/on-behalf", data={"pick": "movie:550123", "q": "example", "title": "typed text",
                                                 "type": "tv"}, htmx=True)
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "Pick who the request is for." in html
    assert 'id="ob-q" name="q" value="example"' in html
    assert picks(html) == ["movie:550123", "tv:98765", "movie:600001"] and checked_pick(html) == "movie:550123"
    assert 'value="typed text"' in html and 'value="tv" checked' in html
    assert seerr_on.calls_to("/api/v1/request", "POST") == []


def test_a_pick_is_kept_even_when_seerr_cannot_search_again(logged_in, seerr_on, dave):
    seerr_on.fail_next(500, {"message": "boom"}, path="/api/v1/search")
    r = logged_in.post("/media/on-behalf", data={"pick": "tv:98765", "q": "example"}, htmx=True)
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "Seerr had an internal error (500)." in html
    assert picks(html) == ["tv:98765"] and checked_pick(html) == "tv:98765" and "Series 98765" in html


def test_nothing_picked_or_pasted_says_what_to_do(logged_in, seerr_on, dave):
    r = logged_in.post("/media/on-behalf", data={"pick": "", "title": "", "user_id": dave.id}, htmx=True)
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "Pick a title from the search results, or paste a Seerr page address" in html
    assert '<details class="ob-paste" open>' in html                  # the field the message sits beside


def test_a_forged_pick_is_refused(logged_in, seerr_on, dave):
    r = logged_in.post("/media/on-behalf", data={"pick": "person:31", "user_id": dave.id}, htmx=True)
    assert r.status_code == 422 and "not a film or a series" in r.get_data(as_text=True)
    assert seerr_on.calls_to("/api/v1/request", "POST") == []


def test_seerr_refusing_shows_why_and_what_it_already_has(logged_in, seerr_on, dave):
    seerr_on.add_request(1, "movie", 550123, 7, media_status=3)
    r = logged_in.post("/media/on-behalf", data={"pick": "movie:550123", "q": "example movie", "user_id": dave.id},
                       htmx=True)
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "Seerr refused the request (409): Request for this media already exists." in html
    assert checked_pick(html) == "movie:550123" and "Requested / processing" in html
    assert MediaRequest.select().count() == 0


def test_a_plain_form_post_works_too(logged_in, seerr_on, dave):
    r = logged_in.post("/media/on-behalf", data={"pick": "movie:700001", "user_id": dave.id})
    assert r.status_code == 303 and r.headers["Location"] == f"/media/requests/{MediaRequest.get().id}"
    bad = logged_in.post("/media/on-behalf", data={"pick": "movie:700001", "q": "paper"})
    assert bad.status_code == 422 and "<html" in bad.get_data(as_text=True)
    assert checked_pick(bad.get_data(as_text=True)) == "movie:700001"


def test_it_takes_a_typed_username_when_there_are_too_many_people_to_list(logged_in, seerr_on, dave, monkeypatch):
    from plexportal.media import queries

    monkeypatch.setattr(queries, "PEOPLE_LIST_MAX", 1)
    User.create(username="erin", email="erin@example.com")
    form = logged_in.get("/media/on-behalf").get_data(as_text=True)
    assert 'name="person"' in form and 'name="user_id"' not in form
    r = logged_in.post("/media/on-behalf", data={"pick": "movie:550123", "q": "example", "title": "", "type": "movie",
                                                 "person": "nobody-here"}, htmx=True)
    assert r.status_code == 422 and "Nobody is called “nobody-here”" in r.get_data(as_text=True)
    assert 'value="nobody-here"' in r.get_data(as_text=True) and MediaRequest.select().count() == 0
    r = logged_in.post("/media/on-behalf", data={"pick": "movie:550123", "q": "example", "title": "", "type": "movie",
                                                 "person": "Dave@Example.com"}, htmx=True)
    req = MediaRequest.get()
    assert r.status_code == 200 and req.requested_by_id == dave.id and req.tmdb_id == 550123
