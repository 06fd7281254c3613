"""The upcoming calendar and each user's iCal feed (RFC 5545, parsed back with icalendar)."""
from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from plexportal.auth.models import User
from plexportal.lib import clock
from plexportal.media import calendar, ical
from plexportal.media.models import CalendarEntry, Follower, MediaRequest

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def library(db, set_settings, fake_sonarr, fake_radarr):
    set_settings(SONARR_URL=fake_sonarr.url, SONARR_API_KEY=fake_sonarr.api_key,
                 RADARR_URL=fake_radarr.url, RADARR_API_KEY=fake_radarr.api_key, SERVER_NAME="Harbour; Server")
    clock.freeze(NOW)
    alice = User.create(username="alice", email="alice@example.com")
    bob = User.create(username="bob", email="bob@example.com")
    show = MediaRequest.create(media_type="tv", tvdb_id=371234, title="The Example Show", status="approved")
    Follower.create(request=show, user=alice, role="requester")
    film = MediaRequest.create(media_type="movie", tmdb_id=550123, title="Example Movie", status="approved")
    Follower.create(request=film, user=bob, role="requester")
    fake_sonarr.add_series(42, "The Example Show", 371234, per_season=3)
    fake_sonarr.episodes[42001]["title"] = "Pilot, Part 2; the \"return\""
    fake_sonarr.add_calendar_episode(42001, NOW + timedelta(days=3, hours=2))
    fake_sonarr.add_series(43, "Not Requested", 999999)
    fake_sonarr.add_calendar_episode(43000, NOW + timedelta(days=1))
    fake_radarr.add_movie(77, "Example Movie", 550123, has_file=False, in_cinemas="2026-01-10",
                          digital="2026-03-20", physical="2026-06-01")
    fake_radarr.add_calendar_movie(77)
    return {"alice": alice, "bob": bob, "sonarr": fake_sonarr, "radarr": fake_radarr}


def test_it_copies_only_requested_titles_with_two_calls(library):
    library["sonarr"].reset_calls()
    library["radarr"].reset_calls()
    assert calendar.refresh() == {"entries": 2, "errors": []}
    assert len(library["sonarr"].calls) == 1 and len(library["radarr"].calls) == 1
    rows = [(e.title, e.detail) for e in calendar.upcoming()]
    assert rows == [("The Example Show", 'S01E02 · Pilot, Part 2; the "return"'), ("Example Movie", "digital release")]
    assert [e.title for e in calendar.upcoming(library["alice"])] == ["The Example Show"]


def test_a_failed_refresh_keeps_what_was_there(library):
    calendar.refresh()
    library["sonarr"].fail_next(500, path="/api/v3/calendar", times=3)
    result = calendar.refresh()
    assert result["errors"] and result["errors"][0].startswith("Sonarr: ")
    assert CalendarEntry.select().where(CalendarEntry.media_type == "tv").count() == 1


def test_the_feed_is_valid_icalendar_with_escaping(library, client):
    calendar.refresh()
    feed = calendar.feed_for(library["alice"])
    r = client.get(f"/monitors/ical/{feed.token}.ics")
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/calendar; charset=utf-8"
    raw = r.get_data()
    assert b"\r\n" in raw and all(len(line) <= 75 for line in raw.split(b"\r\n"))
    assert b'SUMMARY:The Example Show S01E02 \xc2\xb7 Pilot\\, Part 2\\; the "return"' in raw.replace(b"\r\n ", b"")
    cal = icalendar.Calendar.from_ical(raw)
    [event] = cal.walk("VEVENT")
    assert str(event["SUMMARY"]) == 'The Example Show S01E02 · Pilot, Part 2; the "return"'
    assert event.decoded("DTSTART") == NOW + timedelta(days=3, hours=2)
    assert b"X-WR-CALNAME:Harbour\\; Server: upcoming\r\n" in raw
    bob = calendar.feed_for(library["bob"])
    [film] = icalendar.Calendar.from_ical(client.get(f"/monitors/ical/{bob.token}.ics").get_data()).walk("VEVENT")
    assert str(film["SUMMARY"]) == "Example Movie (digital release)"
    assert str(film.decoded("DTSTART")) == "2026-03-20"


def test_a_wrong_or_replaced_token_gets_nothing(library, client):
    feed = calendar.feed_for(library["alice"])
    old = feed.token
    calendar.new_token(library["alice"])
    assert client.get(f"/monitors/ical/{old}.ics").status_code == 404
    assert client.get("/monitors/ical/nonsense.ics").status_code == 404


def test_long_lines_fold_without_splitting_characters():
    line = "SUMMARY:" + "é" * 80
    folded = ical.fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line


def test_the_upcoming_page_lists_entries_and_refreshes(library, admin_web):
    page = admin_web.get("/monitors/upcoming").get_data(as_text=True)
    assert "Nothing coming up" in page
    r = admin_web.post("/monitors/upcoming/refresh", htmx=True)
    body = r.get_data(as_text=True)
    assert "Calendar refreshed: 2 upcoming item(s)." in body and "Example Movie" in body


def test_a_persons_page_lists_what_they_follow_and_their_calendar_address(library, client):
    from plexportal.notify import links

    calendar.refresh()
    feed = calendar.feed_for(library["alice"])
    page = client.get("/notify/u/" + links.make_token(library["alice"])).get_data(as_text=True)
    section = page[page.index("Coming up"):]
    assert "The Example Show" in section and "S01E02" in section and "Example Movie" not in section
    assert f"/monitors/ical/{feed.token}.ics</a>" in section
    assert "Nothing you follow" not in section
