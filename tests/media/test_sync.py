"""Seerr sync pages through every user and request; requests on behalf go to Seerr as that user."""
import pytest

from plexportal.auth.models import User
from plexportal.gateways.base import GatewayError
from plexportal.media import sync
from plexportal.media.models import Follower, MediaRequest, SyncRun


@pytest.fixture
def seerr_on(set_settings, fake_seerr):
    set_settings(SEERR_URL=fake_seerr.url, SEERR_API_KEY="seerr-key")
    return fake_seerr


def test_it_syncs_every_page_of_users_and_requests(seerr_on):
    for i in range(2, 240):
        seerr_on.add_user(i, f"user{i}", f"user{i}@example.com", plex_id=5000 + i)
    seerr_on.add_title("tv", 98765, "The Example Show", 2023, tvdb_id=371234)
    seerr_on.add_title("movie", 550123, "Example Movie", imdb_id="tt7654321")
    for rid in range(1, 131):
        seerr_on.add_request(rid, "movie" if rid % 2 else "tv", 550123 if rid % 2 else 98765, 2 + rid,
                             seasons=() if rid % 2 else (1, 2))
    run = SyncRun.create()
    counts = sync.run_sync(run.id)
    assert counts == {"users": 239, "requests": 130}
    run = SyncRun.get_by_id(run.id)
    assert run.status == "done" and "239 users and 130 requests" in run.message and run.done == run.total == 130
    skips = sorted({int(c.query["skip"]) for c in seerr_on.calls if c.path == "/api/v1/request"})
    assert skips == [0, 100]
    tv = MediaRequest.get(MediaRequest.seerr_request_id == 2)
    assert (tv.title, tv.tvdb_id, tv.seasons, tv.status, tv.year) == ("The Example Show", 371234, [1, 2], "approved", 2023)
    assert tv.requested_by.seerr_user_id == 4 and tv.requested_by.plex_user_id == 5004
    film = MediaRequest.get(MediaRequest.seerr_request_id == 1)
    assert film.imdb_id == "tt7654321" and film.poster_url.endswith("/p550123.jpg")
    # one details lookup per title, not per request
    assert len([c for c in seerr_on.calls if c.path.startswith("/api/v1/movie/")]) == 1


def test_it_resyncs_without_duplicates_and_marks_available(seerr_on):
    seerr_on.add_user(2, "alice", "alice@example.com")
    seerr_on.add_title("movie", 550123, "Example Movie")
    row = seerr_on.add_request(17, "movie", 550123, 2)
    sync.run_sync(SyncRun.create().id)
    row["media"]["status"] = 5
    sync.run_sync(SyncRun.create().id)
    assert MediaRequest.select().count() == 1 and MediaRequest.get().status == "available"
    assert User.select().where(User.email == "alice@example.com").count() == 1


def test_it_reports_a_failed_sync_with_the_reason(set_settings, fake_seerr):
    set_settings(SEERR_URL=fake_seerr.url, SEERR_API_KEY="wrong")
    run = SyncRun.create()
    sync.run_sync(run.id)
    run = SyncRun.get_by_id(run.id)
    assert run.status == "failed" and "rejected the credentials" in run.message


def test_it_shows_sync_progress_on_the_requests_page(logged_in, seerr_on):
    seerr_on.add_user(2, "alice", "alice@example.com")
    started = logged_in.post("/media/sync", htmx=True).get_data(as_text=True)
    assert "running" in started and 'hx-get="/media/sync/1"' in started and "<progress" in started
    polled = logged_in.get("/media/sync/1", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Synced 2 users and 0 requests" in polled and "hx-trigger" not in polled
    page = logged_in.get("/media/requests").get_data(as_text=True)
    assert "Synced 2 users" in page


@pytest.mark.parametrize("text,kind,expected", [
    ("https://seerr.example.com/movie/550123", "", ("movie", 550123)),
    ("http://10.0.0.2:5055/tv/98765?manage=1", "movie", ("tv", 98765)),
    ("550123", "movie", ("movie", 550123)), ("98765", "tv", ("tv", 98765)),
    ("550123", "", None), ("The Matrix", "movie", None), ("https://seerr/person/12", "", None)])
def test_it_reads_a_seerr_address_or_a_tmdb_id(text, kind, expected):
    assert sync.parse_title(text, kind) == expected


def test_it_requests_on_behalf_as_that_user(seerr_on):
    seerr_on.add_user(7, "dave", "dave@example.com")
    seerr_on.add_title("tv", 98765, "The Example Show", 2023, tvdb_id=371234)
    dave = User.create(username="dave", email="dave@example.com", seerr_user_id=7)
    req = sync.request_on_behalf(dave, "tv", 98765)
    [call] = [c for c in seerr_on.calls if c.method == "POST"]
    assert call.headers.get("X-Api-User") == "7" and call.json == {"mediaType": "tv", "mediaId": 98765, "seasons": "all"}
    assert (req.origin, req.title, req.tvdb_id, req.requested_by_id) == ("on_behalf", "The Example Show", 371234, dave.id)
    assert Follower.get().user_id == dave.id


def test_it_explains_why_seerr_refused_a_request(seerr_on):
    seerr_on.add_user(7, "dave", "dave@example.com")
    seerr_on.add_request(1, "movie", 550123, 7)
    dave = User.create(username="dave", email="dave@example.com", seerr_user_id=7)
    with pytest.raises(GatewayError, match="already exists"):
        sync.request_on_behalf(dave, "movie", 550123)
    nobody = User.create(username="eve", email="eve@example.com")
    with pytest.raises(ValueError, match="no Seerr account"):
        sync.request_on_behalf(nobody, "movie", 550123)


def test_it_shows_form_errors_next_to_the_fields(logged_in, seerr_on):
    r = logged_in.post("/media/on-behalf", data={"title": "not a title", "type": "movie"}, htmx=True)
    text = r.get_data(as_text=True)
    assert r.status_code == 422 and "paste a Seerr page address" in text and "Pick who" in text
    assert 'value="not a title"' in text


def test_it_creates_the_request_from_the_form(logged_in, seerr_on):
    seerr_on.add_user(7, "dave", "dave@example.com")
    seerr_on.add_title("movie", 550123, "Example Movie")
    dave = User.create(username="dave", email="dave@example.com", seerr_user_id=7)
    r = logged_in.post("/media/on-behalf", data={"title": f"{seerr_on.url}/movie/550123", "user_id": dave.id},
                       htmx=True)
    req = MediaRequest.get()
    assert r.headers["HX-Redirect"] == f"/media/requests/{req.id}" and req.title == "Example Movie"
