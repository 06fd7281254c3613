"""The calendar and its feeds off the happy path: a feed for someone who left, tokens of odd
lengths, Sonarr or Radarr not set up, a breaker-skipped host, TBA titles, films out of the window,
and the iCal text for anything a title may contain."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from plexportal.auth.models import User
from plexportal.gateways.arr import Episode, Movie, Series
from plexportal.lib import clock
from plexportal.media import calendar, ical
from plexportal.media.models import CalendarEntry, CalendarFeed
from tests.media.test_calendar import NOW, library  # noqa: F401 - the fixture


def test_a_feed_of_someone_whose_account_was_switched_off_gets_nothing(library, client):
    feed = calendar.feed_for(library["alice"])
    assert client.get(f"/monitors/ical/{feed.token}.ics").status_code == 200
    User.update(is_active=False).where(User.id == library["alice"].id).execute()
    assert client.get(f"/monitors/ical/{feed.token}.ics").status_code == 404


def test_a_feed_switched_off_gets_nothing(library, client):
    feed = calendar.feed_for(library["alice"])
    CalendarFeed.update(enabled=False).execute()
    assert client.get(f"/monitors/ical/{feed.token}.ics").status_code == 404


@pytest.mark.parametrize("token", ["", "x" * 65, "%00", "a" * 64])
def test_tokens_that_cannot_be_ours_are_404_not_500(library, client, token):
    assert client.get(f"/monitors/ical/{token}.ics").status_code == 404


def test_fetching_a_feed_is_noted_and_kept_out_of_caches(library, client):
    feed = calendar.feed_for(library["alice"])
    r = client.get(f"/monitors/ical/{feed.token}.ics")
    assert r.headers["Cache-Control"] == "no-store"               # its address is a secret
    assert 'filename="upcoming.ics"' in r.headers["Content-Disposition"]
    assert CalendarFeed.get_by_id(feed.id).last_fetched_at == NOW


def test_one_feed_per_person_however_often_it_is_asked_for(library):
    first = calendar.feed_for(library["alice"])
    assert calendar.feed_for(library["alice"]).token == first.token
    assert CalendarFeed.select().count() == 1
    replaced = calendar.new_token(library["alice"])
    assert replaced.id == first.id and replaced.token != first.token


def test_without_sonarr_and_radarr_a_refresh_asks_nobody_and_keeps_nothing_stale(db, set_settings):
    CalendarEntry.create(key="sonarr:episode:1", media_type="tv", tvdb_id=1, title="Old", starts_at=clock.now())
    assert calendar.refresh() == {"entries": 0, "errors": []}
    assert CalendarEntry.select().count() == 1                   # a service not configured keeps what it had


def test_a_host_the_breaker_skips_is_reported_in_its_own_words(library, monkeypatch):
    from plexportal.gateways import rest

    calendar.refresh()

    def skipped(*a, **kw):
        raise rest.Skipped("skipped: Radarr did not answer the last 3 times; asked again in 5 min.")

    monkeypatch.setattr(calendar, "_fetch", lambda service, *a: skipped() if service == "radarr"
                        else calendar.episode_entries([], set()))
    result = calendar.refresh()
    assert result["errors"] == ["skipped: Radarr did not answer the last 3 times; asked again in 5 min."]
    assert CalendarEntry.select().where(CalendarEntry.media_type == "movie").count() == 1     # kept
    assert CalendarEntry.select().where(CalendarEntry.media_type == "tv").count() == 0        # Sonarr said none


def test_the_upcoming_page_says_what_could_not_be_read(library, admin_web):
    library["radarr"].fail_next(503, path="/api/v3/calendar", times=3)
    r = admin_web.post("/monitors/upcoming/refresh", htmx=True)
    body = r.get_data(as_text=True)
    assert "Refreshed what could be read. Radarr: Radarr had an internal error (503)." in body
    assert "The Example Show" in body


def test_episodes_without_a_date_series_or_request_are_left_out_and_tba_is_not_a_title():
    show = Series(id=1, title="Show", tvdb_id=10, runtime=None)
    eps = [Episode(id=1, series_id=1, season_number=1, episode_number=1, title="TBA", air_date_utc=NOW, series=show),
           Episode(id=2, series_id=1, season_number=1, episode_number=2, title="Two", air_date_utc=None, series=show),
           Episode(id=3, series_id=1, season_number=None, episode_number=None, title="", air_date_utc=NOW, series=None),
           Episode(id=4, series_id=1, season_number=2, episode_number=3, title="x", air_date_utc=NOW,
                   series=Series(id=2, title="Other", tvdb_id=99))]
    [only] = calendar.episode_entries(eps, {10})
    assert only["detail"] == "S01E01" and only["minutes"] == 30 and only["key"] == "sonarr:episode:1"


def test_only_film_dates_inside_the_window_become_entries():
    start, end = NOW - timedelta(days=1), NOW + timedelta(days=60)
    film = Movie(id=7, title="Film", tmdb_id=5, in_cinemas=NOW - timedelta(days=30),
                 digital_release=NOW + timedelta(days=10), physical_release=NOW + timedelta(days=90))
    rows = calendar.film_entries([film, Movie(id=8, title="Unrequested", tmdb_id=6, digital_release=NOW)],
                                 {5}, start, end)
    assert [(r["key"], r["detail"], r["all_day"]) for r in rows] == [("radarr:7:digitalRelease", "digital release",
                                                                       True)]


def test_a_declined_request_drops_out_of_the_calendar(library):
    from plexportal.media.models import MediaRequest

    MediaRequest.update(status="declined").where(MediaRequest.tvdb_id == 371234).execute()
    assert calendar.refresh()["entries"] == 1
    assert [e.title for e in calendar.upcoming()] == ["Example Movie"]


def test_someone_who_follows_nothing_gets_an_empty_but_valid_calendar(library, client):
    carol = User.create(username="carol", email="carol@example.com")
    calendar.refresh()
    feed = calendar.feed_for(carol)
    cal = icalendar.Calendar.from_ical(client.get(f"/monitors/ical/{feed.token}.ics").get_data())
    assert cal.walk("VEVENT") == []


@given(title=st.text(max_size=120), detail=st.text(max_size=60), all_day=st.booleans())
def test_any_title_makes_a_feed_a_calendar_app_reads_back_exactly(title, detail, all_day):
    entry = CalendarEntry(key="sonarr:episode:1", media_type="movie", title=title, detail=detail,
                          starts_at=datetime(2026, 3, 2, 20, tzinfo=UTC), all_day=all_day, minutes=45)
    text = ical.render([entry], name=title or "x", stamp=datetime(2026, 3, 1, tzinfo=UTC))
    raw = text.encode()
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    [event] = icalendar.Calendar.from_ical(raw).walk("VEVENT")
    expected = f"{title} ({detail})".replace("\r\n", "\n").replace("\r", "\n")
    assert str(event["SUMMARY"]) == expected
