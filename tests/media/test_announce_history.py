"""A Download is announced by what it brought, not by re-reading the show's past: the database
work per Download stays the same as the history grows, and who hears what does not change."""
from datetime import timedelta

from plexportal.auth.models import User
from plexportal.lib import clock
from plexportal.media import matching
from plexportal.media.models import WHOLE_SEASON, Announcement, Arrival, Follower, MediaRequest
from tests.media.conftest import fixture
from tests.statements import counting

LATER = matching.FULL_PASS_MARGIN + timedelta(seconds=5)


def download(season, episode, title=""):
    body = fixture("sonarr_v4_download")
    body["episodes"] = [dict(body["episodes"][0], seasonNumber=season, episodeNumber=episode,
                             id=1000 + 100 * season + episode, title=title or f"Episode {episode}")]
    body["downloadId"] = f"dl-{season}-{episode}-{title}"
    return body


def seerr(kind, seasons="1, 2, 3", request_id=None, email=None):
    body = fixture(kind)
    body["extra"] = [{"name": "Requested Seasons", "value": seasons}]
    if request_id is not None:
        body["request"]["request_id"] = str(request_id)
    if email is not None:
        body["request"]["requestedBy_email"] = email
        body["request"]["requestedBy_username"] = email.split("@")[0]
    return body


def told(email):
    return sorted((a.season, a.episode) for a in
                  Announcement.select().join(User).where(User.email == email))


def nothing_left_for_a_full_pass():
    """What the one-import path left out, a pass over every arrival would find: there is none."""
    return all(matching.announce(req) == 0 for req in MediaRequest.select())


def fill_history(req, users, episodes, start):
    """Earlier episodes, each arrived and announced to everyone, written through the models."""
    key = matching.media_key("tv", req.tvdb_id, req.tmdb_id)
    Arrival.insert_many([dict(media_type="tv", media_key=key, season=1 + n // 50, episode=1 + n % 50,
                              title=f"Episode {n}", series_title=req.title, tmdb_id=req.tmdb_id,
                              tvdb_id=req.tvdb_id, request=req.id, arrived_at=start + timedelta(hours=n))
                         for n in range(episodes)]).execute()
    Announcement.insert_many([dict(request=req.id, user=u.id, season=1 + n // 50, episode=1 + n % 50,
                                   at=start + timedelta(hours=n)) for n in range(episodes) for u in users]).execute()


def work_for_one_download(hooks, history, show):
    """Statements and rows of one Download of a show with `history` earlier episodes, 3 followers."""
    from plexportal.db import db

    start = clock.now() - timedelta(days=400)
    body = seerr("seerr_media_approved_tv", seasons="1, 2, 3, 4, 5, 6, 7, 8, 9", request_id=show)
    body["media"].update(tvdbId=str(show), tmdbId=str(show))
    hooks("seerr", body)
    req = MediaRequest.get(MediaRequest.tvdb_id == show)
    users = [req.requested_by]
    for name in ("carol", "dave"):
        user = User.get_or_none(User.username == name) or User.create(username=name, email=f"{name}@example.com")
        users.append(user)
        Follower.create(request=req, user=user, role="follower", created_at=start)
    fill_history(req, users, history, start)
    clock.advance(LATER)
    matching.announce(MediaRequest.get_by_id(req.id))           # the pass the earlier Downloads made
    new = download(9, 49)
    new["series"].update(tvdbId=show, tmdbId=show)
    with counting(db.obj) as work:
        event = hooks("sonarr", new)
    assert event.status == "processed" and "3 announcement" in event.outcome
    return work


def test_it_does_the_same_database_work_for_a_download_after_300_episodes_as_after_3(hooks):
    work_for_one_download(hooks, 0, show=500)                    # settings and caches read once
    small = work_for_one_download(hooks, 3, show=501)
    large = work_for_one_download(hooks, 300, show=502)
    # The settings cache expires after a few seconds; its reload is not the Download's work.
    small, large = (_without_settings(small), _without_settings(large))
    assert large[0] == small[0], "\n".join(large[2])
    # Rows handed back: the new episode, its three followers, their rows for it. Not the past.
    assert large[1] == small[1] and large[1] < 40


def _without_settings(work):
    kept = [(sql, rows) for sql, rows in zip(work.sql, work.rows_per_statement) if 'FROM "setting"' not in sql]
    return len(kept), sum(rows for _, rows in kept), [sql for sql, _ in kept]


def test_it_tells_everyone_the_same_things_when_downloads_come_one_by_one(hooks):
    hooks("seerr", seerr("seerr_media_approved_tv", seasons="1, 2"))
    bob = "bob@example.com"
    clock.advance(LATER)
    hooks("sonarr", download(1, 1))
    clock.advance(LATER)
    carol = User.create(username="carol", email="carol@example.com")
    assert matching.add_follower(MediaRequest.get(), carol)             # hears what comes after this
    clock.advance(LATER)
    hooks("sonarr", download(1, 2))
    hooks("sonarr", download(2, 1))
    hooks("sonarr", download(3, 1))                                     # a season nobody asked for
    again = hooks("sonarr", dict(download(2, 1), isUpgrade=True, downloadId="upgrade"))
    assert "already announced" in again.outcome
    assert told(bob) == [(1, 1), (1, 2), (2, 1)] and told("carol@example.com") == [(1, 2), (2, 1)]
    assert nothing_left_for_a_full_pass()

    # Seerr says seasons 1 and 2 are there: both were told episode by episode, so nothing more.
    clock.advance(LATER)
    hooks("seerr", seerr("seerr_media_available_tv", seasons="1, 2"))
    assert told(bob) == [(1, 1), (1, 2), (2, 1)]
    clock.advance(LATER)
    hooks("sonarr", download(2, 2))
    assert told(bob)[-1] == (2, 2) and told("carol@example.com")[-1] == (2, 2)
    assert nothing_left_for_a_full_pass()


def test_it_tells_a_requester_a_sync_adds_everything_at_the_next_download(hooks):
    hooks("seerr", seerr("seerr_media_approved_tv", seasons="1"))
    for episode in (1, 2, 3):
        clock.advance(LATER)
        hooks("sonarr", download(1, episode))
    clock.advance(LATER)
    # A second request for the same show, seen by a sync (no webhook, no announcement yet).
    erin = User.create(username="erin", email="erin@example.com")
    matching.upsert_request(seerr_request_id=77, media_type="tv", status="approved", user=erin,
                            tvdb_id=371234, tmdb_id=98765, title="The Example Show", seasons=[1])
    assert told("erin@example.com") == []
    clock.advance(timedelta(seconds=5))                                  # the next Download, soon after
    hooks("sonarr", download(1, 4))
    assert told("erin@example.com") == [(1, 1), (1, 2), (1, 3), (1, 4)]
    clock.advance(LATER)
    hooks("sonarr", download(1, 5))
    assert told("erin@example.com")[-1] == (1, 5) and told("bob@example.com")[-1] == (1, 5)
    assert nothing_left_for_a_full_pass()


def test_it_keeps_a_whole_season_and_its_late_episodes_one_message(hooks):
    hooks("seerr", seerr("seerr_media_approved_tv", seasons="1"))
    clock.advance(LATER)
    hooks("seerr", seerr("seerr_media_available_tv", seasons="1"))       # the season as a whole
    assert told("bob@example.com") == [(1, WHOLE_SEASON)]
    clock.advance(LATER)
    hooks("sonarr", download(1, 1))                                      # the same import, reported late
    assert told("bob@example.com") == [(1, WHOLE_SEASON)]
    clock.advance(timedelta(days=3))
    hooks("sonarr", download(1, 9))                                      # a new episode, days later
    assert told("bob@example.com") == [(1, WHOLE_SEASON), (1, 9)]
    assert nothing_left_for_a_full_pass()


def test_it_reads_little_for_a_show_of_twenty_thousand_episodes(hooks):
    hooks("seerr", seerr("seerr_media_approved_tv", seasons=""))
    req = MediaRequest.get()
    fill_history(req, [req.requested_by], 20000, clock.now() - timedelta(days=4000))
    clock.advance(LATER)
    matching.announce(MediaRequest.get())
    from plexportal.db import db

    with counting(db.obj) as work:
        event = hooks("sonarr", download(999, 1))
    assert event.status == "processed" and "1 announcement" in event.outcome
    assert work.rows < 30
    assert told("bob@example.com")[-1] == (999, 1)
