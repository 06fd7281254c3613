"""Sonarr and Radarr gateways against the fake *arrs: every call, what it sends, what it returns."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from plexportal.gateways import arr
from plexportal.gateways.arr import Command, Episode, HistoryRecord, Movie, QueueItem, Series, SystemStatus
from plexportal.gateways.base import GatewayError
from tests.gateways.helpers import radarr_client, sonarr_client

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def show(fake_sonarr):
    """Series 42 (tvdb 371234): two seasons of three episodes, ids 42000…42005."""
    fake_sonarr.add_series(42, "The Example Show", 371234, seasons=2, per_season=3, tmdb_id=98765)
    return fake_sonarr


@pytest.fixture
def film(fake_radarr):
    fake_radarr.add_movie(77, "Example Movie", 550123, year=2024)
    return fake_radarr


# -- connection ----------------------------------------------------------------------------------

def test_it_reads_the_system_status_and_checks_the_app(sonarr, radarr, fake_sonarr):
    assert sonarr.system_status() == SystemStatus(app_name="Sonarr", version="4.0.19.2979")
    assert radarr.system_status().app_name == "Radarr"
    assert sonarr.check().ok and sonarr.check().detail == "4.0.19.2979"
    assert fake_sonarr.calls_to("/api/v3/system/status")[0].headers["X-Api-Key"] == "arr-key"


def test_it_refuses_the_other_app_behind_the_url(fake_radarr):
    result = sonarr_client(fake_radarr).check()
    assert not result.ok and result.message == "That URL is Radarr, not Sonarr."


def test_it_refuses_a_status_that_is_not_an_arr(fake_sonarr, sonarr):
    fake_sonarr.fail_next(200, {"appName": "Something"}, path="/api/v3/system/status")
    with pytest.raises(GatewayError, match="does not look like Sonarr") as err:
        sonarr.system_status()
    assert err.value.permanent


def test_it_needs_a_url():
    with pytest.raises(GatewayError, match="Sonarr is not configured") as err:
        arr.ArrClient(arr.ArrSettings("", "k"))
    assert err.value.permanent


# -- the queue -----------------------------------------------------------------------------------

def test_the_queue_reads_every_page_with_big_pages(show, sonarr):
    for i in range(6):
        show.add_queue_item(42000 + i, download_id=f"D{i % 2}", title=f"Pack {i % 2}")
    items = sonarr.queue(page_size=4)
    assert sorted(i.episode_id for i in items) == list(range(42000, 42006))
    calls = show.calls_to("/api/v3/queue")
    assert [c.query["page"] for c in calls] == ["1", "2"] and calls[0].query["pageSize"] == "4"
    assert calls[0].query["includeUnknownSeriesItems"] == "false" and calls[0].query["includeEpisode"] == "true"
    sonarr.queue()
    assert show.calls_to("/api/v3/queue")[-1].query["pageSize"] == "1000"      # never the *arr's default of 10


def test_a_queue_record_becomes_a_queue_item(show, sonarr):
    show.add_queue_item(42004, download_id="ABC", title="The.Example.Show.S02E02", status="Warning",
                        tracked_status="Warning", tracked_state="importPending",
                        messages=["No files found are eligible for import"], error_message="stalled",
                        sizeleft=12345, timeleft=None)
    [item] = sonarr.queue()
    assert item == QueueItem(
        id=item.id, download_id="ABC", title="The.Example.Show.S02E02", status="warning", tracked_status="warning",
        tracked_state="importPending", messages=["No files found are eligible for import"], error_message="stalled",
        size=2_147_483_648.0, sizeleft=12345.0, timeleft=None, added=item.added, protocol="torrent",
        download_client="qBittorrent", indexer="ExampleIndexer (Prowlarr)", series_id=42, episode_id=42004,
        season_number=2, episode_number=2, episode_title="Episode 2", movie_id=None, media_title="The Example Show")


def test_a_radarr_queue_record_names_its_film(film, radarr):
    film.add_queue_item(77, download_id="M1")
    [item] = radarr.queue()
    assert (item.movie_id, item.media_title, item.episode_id) == (77, "Example Movie", None)
    call = film.calls_to("/api/v3/queue")[0]
    assert call.query["includeUnknownMovieItems"] == "false" and call.query["includeMovie"] == "true"


def test_a_status_block_without_messages_says_its_title(show, sonarr):
    record = show.add_queue_item(42000, download_id="X")
    record["statusMessages"] = [{"title": "One or more episodes expected but not found", "messages": []}]
    assert sonarr.queue()[0].messages == ["One or more episodes expected but not found"]


def test_odd_field_types_read_as_empty_not_as_a_crash(show, sonarr):
    record = show.add_queue_item(42000, download_id="X")
    record.update(size="big", sizeleft=None, seriesId="42", statusMessages="none", episode=[1], status=None)
    [item] = sonarr.queue()
    assert (item.size, item.sizeleft, item.series_id, item.messages, item.episode_number, item.status) == \
        (0.0, 0.0, None, [], None, "")


def test_removing_from_the_queue_blocklists_without_a_second_search(show, sonarr):
    item = show.add_queue_item(42000, download_id="D1")
    show.redownload_failed = True
    sonarr.remove_from_queue(item["id"])
    [call] = show.calls_to(f"/api/v3/queue/{item['id']}", "DELETE")
    assert call.query == {"removeFromClient": "true", "blocklist": "true", "skipRedownload": "true",
                          "changeCategory": "false"}
    assert show.queue == [] and [b["downloadId"] for b in show.blocklist] == ["D1"]
    assert show.commands == []                           # skipRedownload: no search by the *arr itself


def test_removing_an_item_already_gone_is_a_permanent_404(sonarr):
    with pytest.raises(GatewayError) as err:
        sonarr.remove_from_queue(999)
    assert err.value.status == 404 and err.value.permanent


# -- history -------------------------------------------------------------------------------------

def test_history_since_embeds_series_and_episode(show, sonarr):
    show.add_history(3, download_id="D1", source_title="Show.S01E01", episodeId=42000, seriesId=42,
                     date=NOW - timedelta(hours=1))
    show.add_history(3, download_id="D0", episodeId=42001, seriesId=42, date=NOW - timedelta(days=3))
    [record] = sonarr.history_since(NOW - timedelta(days=1), event_type=arr.IMPORTED)
    assert isinstance(record, HistoryRecord)
    assert (record.event_type, record.download_id, record.source_title) == \
        ("downloadFolderImported", "D1", "Show.S01E01")
    assert record.date == NOW - timedelta(hours=1)
    assert record.series == Series(id=42, title="The Example Show", tvdb_id=371234, tmdb_id=98765,
                                   imdb_id="tt0371234", year=2023)
    assert (record.episode.season_number, record.episode.episode_number, record.episode.id) == (1, 1, 42000)
    call = show.calls_to("/api/v3/history/since")[0]
    assert call.query["date"] == (NOW - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert call.query["eventType"] == "3" and call.query["includeSeries"] == "true"


def test_history_since_embeds_the_film(film, radarr):
    film.add_history(3, download_id="M1", movieId=77)
    [record] = radarr.history_since(NOW - timedelta(hours=1))
    assert record.movie.tmdb_id == 550123 and record.movie.title == "Example Movie" and record.series is None
    assert film.calls_to("/api/v3/history/since")[0].query["includeMovie"] == "true"


def test_paged_history_reads_every_page_newest_first(show, sonarr):
    for i in range(5):
        show.add_history(1, download_id=f"G{i}", episodeId=42000, date=NOW - timedelta(minutes=i))
    show.add_history(1, download_id="other", episodeId=42001)
    records = sonarr.history(event_type=arr.GRABBED, episodeId=42000, page_size=2)
    assert [r.download_id for r in records] == ["G0", "G1", "G2", "G3", "G4"]
    calls = show.calls_to("/api/v3/history")
    assert len(calls) == 3 and calls[0].query["sortKey"] == "date" and calls[0].query["sortDirection"] == "descending"


def test_episode_history_asks_for_one_episodes_grabs(show, sonarr):
    show.add_history(1, download_id="G1", episodeId=42002, data={"indexer": "Example", "size": 123})
    [record] = sonarr.episode_history(42002)
    assert record.event_type == "grabbed" and record.data == {"indexer": "Example", "size": "123"}
    assert show.calls_to("/api/v3/history")[0].query["eventType"] == "1"


def test_the_latest_grab_is_the_newest_that_names_a_download(show, sonarr):
    show.add_history(1, download_id="old", episodeId=42000, date=NOW - timedelta(days=2))
    show.add_history(1, download_id="new", episodeId=42000, date=NOW - timedelta(days=1))
    show.add_history(1, download_id="", episodeId=42000, date=NOW)
    show.add_history(4, download_id="failed", episodeId=42000, date=NOW)
    records = sonarr.history(episodeId=42000)
    assert arr.latest_grab(records).download_id == "new"
    assert arr.latest_grab([]) is None


def test_movie_history_and_marking_a_grab_failed(film, radarr):
    grab = film.add_history(1, download_id="M1", source_title="Example.Movie.2024", movieId=77)
    [record] = radarr.movie_history(77)
    assert (record.id, record.movie_id) == (grab["id"], 77)
    film.redownload_failed = True
    radarr.mark_history_failed(record.id)
    assert [b["downloadId"] for b in film.blocklist] == ["M1"]
    assert radarr.redownloads_failed() is True
    assert [c["name"] for c in film.commands] == ["MoviesSearch"]      # the *arr searched by itself


def test_marking_an_unknown_record_failed_is_a_permanent_404(radarr):
    with pytest.raises(GatewayError) as err:
        radarr.mark_history_failed(4242)
    assert err.value.status == 404 and err.value.permanent


# -- lookups and files ---------------------------------------------------------------------------

def test_series_and_episodes_by_id(show, sonarr):
    series = sonarr.series_by_tvdb(371234)
    assert series.id == 42 and series.title == "The Example Show"
    assert sonarr.series_by_tvdb(1) is None
    episodes = sonarr.episodes(42, season_number=2)
    assert [(e.season_number, e.episode_number) for e in episodes] == [(2, 1), (2, 2), (2, 3)]
    first = episodes[0]
    assert first == Episode(id=42003, series_id=42, season_number=2, episode_number=1, title="Episode 1",
                            air_date_utc=datetime(2024, 5, 13, 1, 0, tzinfo=UTC), has_file=True,
                            monitored=True, episode_file_id=542003)
    assert len(sonarr.episodes(42)) == 6
    assert show.calls_to("/api/v3/episode")[0].query == {"seriesId": "42", "seasonNumber": "2"}


def test_films_by_tmdb_id_with_their_dates(film, radarr):
    film.add_movie(78, "Not Out Yet", 600001, has_file=False, in_cinemas="2031-01-02", digital=None, physical=None)
    movie = radarr.movie_by_tmdb(550123)
    assert movie == Movie(id=77, title="Example Movie", tmdb_id=550123, imdb_id="tt0550123", year=2024,
                          has_file=True, movie_file_id=700077,
                          in_cinemas=datetime(2024, 6, 1, tzinfo=UTC),
                          digital_release=datetime(2024, 8, 1, tzinfo=UTC),
                          physical_release=datetime(2024, 9, 10, tzinfo=UTC))
    later = radarr.movie_by_tmdb(600001)
    assert (later.has_file, later.movie_file_id, later.digital_release) == (False, None, None)
    assert radarr.movie_by_tmdb(1) is None


def test_radarrs_unknown_date_reads_as_no_date(film, radarr):
    film.movies[77]["digitalRelease"] = "9999-12-31T00:00:00Z"
    film.movies[77]["physicalRelease"] = "not a date"
    movie = radarr.movie_by_tmdb(550123)
    assert movie.digital_release is None and movie.physical_release is None


def test_deleting_files(show, film, sonarr, radarr):
    sonarr.delete_episode_file(542000)
    radarr.delete_movie_file(700077)
    assert show.deleted_files == [542000] and film.deleted_files == [700077]
    with pytest.raises(GatewayError) as err:
        sonarr.delete_episode_file(542000)                 # already gone
    assert err.value.status == 404


# -- commands ------------------------------------------------------------------------------------

def test_commands_send_exactly_the_ids(show, film, sonarr, radarr):
    searched = sonarr.episode_search([42001, 42000, 42001])
    assert isinstance(searched, Command) and searched.name == "EpisodeSearch" and searched.status == "queued"
    sonarr.refresh_series(42)
    radarr.movies_search({77})
    radarr.refresh_movie(77)
    assert [c["body"] for c in show.commands] == [{"episodeIds": [42000, 42001]}, {"seriesId": 42}]
    assert [(c["name"], c["body"]) for c in film.commands] == [("MoviesSearch", {"movieIds": [77]}),
                                                               ("RefreshMovie", {"movieIds": [77]})]


def test_an_unknown_command_is_the_arrs_500(sonarr):
    with pytest.raises(GatewayError) as err:
        sonarr.command("NoSuchThing")
    assert err.value.status == 500 and not err.value.permanent


def test_redownload_failed_setting(show, sonarr):
    assert sonarr.redownloads_failed() is False
    show.redownload_failed = True
    assert sonarr.redownloads_failed() is True


# -- calendar ------------------------------------------------------------------------------------

def test_the_sonarr_calendar_lists_episodes_with_their_series(show, sonarr):
    show.add_calendar_episode(42001, NOW + timedelta(days=3))
    show.add_calendar_episode(42002, NOW + timedelta(days=90))
    [episode] = sonarr.calendar(NOW, NOW + timedelta(days=60))
    assert episode.id == 42001 and episode.air_date_utc == NOW + timedelta(days=3)
    assert episode.series is not None and episode.series.tvdb_id == 371234
    call = show.calls_to("/api/v3/calendar")[0]
    assert call.query["includeSeries"] == "true" and call.query["unmonitored"] == "false"


def test_the_radarr_calendar_lists_films(film, radarr):
    film.add_movie(78, "Soon", 600002, has_file=False, in_cinemas=(NOW + timedelta(days=5)).date().isoformat(),
                   digital=None, physical=None)
    film.add_calendar_movie(78)
    film.add_calendar_movie(77)                           # its dates are long past
    [movie] = radarr.calendar(NOW, NOW + timedelta(days=60))
    assert movie.tmdb_id == 600002 and movie.in_cinemas.date() == (NOW + timedelta(days=5)).date()
    assert "includeSeries" not in film.calls_to("/api/v3/calendar")[0].query


# -- credentials ---------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [sonarr_client, radarr_client])
def test_a_wrong_key_is_a_permanent_401(make, fake_sonarr, fake_radarr):
    fake = fake_sonarr if make is sonarr_client else fake_radarr
    with pytest.raises(GatewayError, match=r"rejected the credentials \(401\)") as err:
        make(fake, key="wrong").queue()
    assert err.value.permanent and err.value.status == 401
