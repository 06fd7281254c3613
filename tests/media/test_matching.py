"""From Seerr requests and Sonarr/Radarr imports to one announcement per person and item."""
import copy
import threading

import pytest

from plexportal.auth.models import User
from plexportal.media import events, matching
from plexportal.media.models import Announcement, Arrival, Follower, MediaRequest
from tests.media.conftest import fixture, ready_items


def announced(user=None):
    q = Announcement.select()
    if user is not None:
        q = q.where(Announcement.user == user)
    return sorted((a.season, a.episode) for a in q)


def media_ready_rows():
    from plexportal.notify.models import Notification

    return list(Notification.select().where(Notification.kind == "media.ready"))


def test_it_announces_an_imported_episode_to_the_requester(hooks):
    hooks("seerr", "seerr_media_approved_tv")
    event = hooks("sonarr", "sonarr_v4_download")
    bob = User.get(User.email == "bob@example.com")
    assert event.status == "processed" and "1 announcement" in event.outcome
    assert announced(bob) == [(2, 3)] and ready_items(bob) == [(2, 3)]
    [row] = media_ready_rows()
    assert row.payload["ids"] == {"tmdb": 98765, "tvdb": 371234, "imdb": None}
    assert row.payload["title"] == "The Example Show" and row.payload["media_type"] == "tv"


def test_it_sends_one_message_for_the_same_webhook_five_times(hooks, post_hook):
    hooks("seerr", "seerr_media_approved_tv")
    for _ in range(5):
        assert post_hook("sonarr", fixture("sonarr_v4_download")).status_code == 200
    assert announced() == [(2, 3)]
    assert len(media_ready_rows()) == 1 and ready_items() == [(2, 3)]


def test_it_holds_a_download_until_its_request_is_known(hooks):
    first = hooks("sonarr", "sonarr_v4_download")
    assert first.status == "unmatched" and "tvdb:371234" in first.outcome
    assert Arrival.select().where(Arrival.request.is_null()).count() == 1 and announced() == []
    hooks("seerr", "seerr_media_approved_tv")
    assert announced() == [(2, 3)] and ready_items() == [(2, 3)]
    assert Arrival.get().request is not None


def test_it_does_not_repeat_episodes_when_import_complete_follows_per_file_imports(hooks):
    hooks("seerr", "seerr_media_auto_approved_tv")
    hooks("sonarr", "sonarr_v4_download")
    multi = hooks("sonarr", "sonarr_v4_download_multi_episode")
    pack = hooks("sonarr", "sonarr_v4_import_complete")
    again = hooks("sonarr", "sonarr_v4_import_complete")          # replay: deduplicated at ingest
    assert again.id == pack.id
    assert announced() == [(1, 1), (1, 2), (2, 3), (2, 4), (2, 5)]
    assert ready_items() == [(1, 1), (1, 2), (2, 3), (2, 4), (2, 5)]
    assert "2 announcement" in multi.outcome


def test_it_matches_series_by_tvdb_even_without_tmdb(hooks):
    hooks("seerr", "seerr_media_approved_tv")
    event = hooks("sonarr", "sonarr_v3_download")
    assert event.status == "processed" and announced() == [(2, 3)]


def test_it_falls_back_to_tmdb_when_the_request_has_no_tvdb(hooks):
    body = fixture("seerr_media_approved_tv")
    body["media"]["tvdbId"] = ""
    hooks("seerr", body)
    assert hooks("sonarr", "sonarr_v4_download").status == "processed"


def test_it_never_matches_by_title(hooks):
    hooks("seerr", "seerr_media_approved_tv")
    body = fixture("sonarr_v4_download")
    body["series"].update(tvdbId=1, tmdbId=2, imdbId="tt0000009")        # same title, other show
    assert hooks("sonarr", body).status == "unmatched" and announced() == []


def test_it_announces_a_film_once_from_radarr_and_seerr_available(hooks):
    hooks("seerr", "seerr_media_approved_movie")
    hooks("radarr", "radarr_v5_download")
    hooks("seerr", "seerr_media_available_movie")
    hooks("radarr", "radarr_v4_download")                         # an upgrade/second import of the same film
    alice = User.get(User.email == "alice@example.com")
    assert announced(alice) == [(0, 0)] and len(media_ready_rows()) == 1
    assert MediaRequest.get().status == "available"


def test_it_announces_a_film_seerr_says_is_available_without_radarr(hooks):
    hooks("seerr", "seerr_media_available_movie")
    assert announced() == [(0, 0)] and len(media_ready_rows()) == 1


def test_it_keeps_declined_requests_quiet(hooks):
    hooks("seerr", "seerr_media_declined_movie")
    body = fixture("radarr_v5_download")
    assert hooks("radarr", body).status == "unmatched" and announced() == []


def test_it_never_moves_a_request_backwards(hooks):
    hooks("seerr", "seerr_media_available_tv")
    hooks("seerr", "seerr_media_approved_tv")                       # late delivery of an older event
    assert MediaRequest.get().status == "available"


def test_it_only_announces_requested_seasons(hooks):
    body = fixture("seerr_media_approved_tv")
    body["extra"] = [{"name": "Requested Seasons", "value": "1"}]
    hooks("seerr", body)
    hooks("sonarr", "sonarr_v4_download")                          # S02E03
    hooks("sonarr", "sonarr_v4_import_complete")                   # S01E01-02
    assert announced() == [(1, 1), (1, 2)]


def test_it_tells_followers_about_what_arrives_after_they_follow(hooks):
    hooks("seerr", "seerr_media_approved_tv")
    hooks("sonarr", "sonarr_v4_import_complete")
    carol = User.create(username="carol", email="carol@example.com")
    assert matching.add_follower(MediaRequest.get(), carol)
    hooks("sonarr", "sonarr_v4_download")
    assert announced(carol) == [(2, 3)] and ready_items(carol) == [(2, 3)]
    bob = User.get(User.email == "bob@example.com")
    assert announced(bob) == [(1, 1), (1, 2), (2, 3)]


def test_it_keeps_the_requester_when_removing_followers(hooks):
    hooks("seerr", "seerr_media_approved_tv")
    req = MediaRequest.get()
    assert not matching.remove_follower(req, User.get(User.email == "bob@example.com"))
    assert Follower.select().count() == 1


def test_it_matches_seerr_users_by_email_case_insensitively(hooks, db):
    existing = User.create(username="robert", email="Bob@Example.com")
    hooks("seerr", "seerr_media_approved_tv")
    assert MediaRequest.get().requested_by_id == existing.id and User.select().count() == 1


def test_it_reprocesses_without_sending_again(hooks):
    from plexportal.media import service

    hooks("seerr", "seerr_media_approved_tv")
    event = hooks("sonarr", "sonarr_v4_download")
    assert service.process_event(event.id) is None                # a duplicate task does nothing
    assert service.process_event(event.id, force=True) == "processed"
    assert announced() == [(2, 3)] and ready_items() == [(2, 3)]


def test_it_tells_subscribers_after_processing(hooks):
    seen = []

    @events.subscribe("sonarr", "ManualInteractionRequired")
    def on_blocked(event, parsed):
        seen.append((event.status, parsed.download_id, [(e.season, e.episode) for e in parsed.episodes]))

    @events.subscribe("sonarr")
    def broken(event, parsed):
        raise RuntimeError("a bug elsewhere")

    try:
        event = hooks("sonarr", "sonarr_v4_manual_interaction")
    finally:
        events._subscribers.clear()
    assert seen == [("ignored", "0123456789ABCDEF0123456789ABCDEF01234567", [(2, 3)])]
    assert event.status == "ignored"


@pytest.mark.sqlite_only
def test_it_survives_two_webhooks_for_one_series_racing(app, hooks):
    from plexportal.db import db as database
    from plexportal.media import service

    hooks("seerr", "seerr_media_approved_tv")
    one = fixture("sonarr_v4_import_complete")
    two = copy.deepcopy(one)
    two["downloadId"] = "another-client-id"                        # same episodes, different body
    ids = [service.record_webhook("sonarr", __import__("json").dumps(b).encode()).event_id for b in (one, two)]
    barrier = threading.Barrier(2)
    errors = []

    def run(event_id):
        try:
            with app.app_context():
                database.connect(reuse_if_open=True)
                barrier.wait()
                service.process_event(event_id)
                database.close()
        except Exception as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=run, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert announced() == [(1, 1), (1, 2)] and ready_items() == [(1, 1), (1, 2)]


def test_it_processes_webhooks_whose_task_was_lost(db, hook_secret):
    from datetime import timedelta

    from plexportal.lib import clock
    from plexportal.media import service
    from plexportal.media.models import WebhookEvent
    from plexportal.media.tasks import process_stale_webhooks_task
    from tests.media.conftest import raw

    for name in ("seerr_media_approved_tv",):
        service.record_webhook("seerr", raw(name))                 # stored, never enqueued (worker was down)
    event_id = service.record_webhook("sonarr", raw("sonarr_v4_download")).event_id
    process_stale_webhooks_task.call_local()
    assert WebhookEvent.get_by_id(event_id).status == "received"   # too fresh: its own task may still come
    clock.advance(timedelta(seconds=31))
    process_stale_webhooks_task.call_local()
    assert [e.status for e in WebhookEvent.select().order_by(WebhookEvent.id)] == ["processed", "processed"]
    assert announced() == [(2, 3)] and ready_items() == [(2, 3)]


def test_it_marks_a_series_available_without_announcing_episodes_it_never_saw(hooks):
    hooks("seerr", "seerr_media_approved_tv")
    event = hooks("seerr", "seerr_media_available_tv")
    assert MediaRequest.get().status == "available" and announced() == []
    assert "is available" in event.outcome
