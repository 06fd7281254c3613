"""From Seerr requests and Sonarr/Radarr imports to one announcement per person and item."""
import copy
import json
import threading
from datetime import timedelta

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
    registered = {key: list(fns) for key, fns in events._subscribers.items()}

    @events.subscribe("sonarr", "ManualInteractionRequired")
    def on_blocked(event, parsed):
        seen.append((event.status, parsed.download_id, [(e.season, e.episode) for e in parsed.episodes]))

    @events.subscribe("sonarr")
    def broken(event, parsed):
        raise RuntimeError("a bug elsewhere")

    try:
        event = hooks("sonarr", "sonarr_v4_manual_interaction")
    finally:
        events._subscribers.clear()             # the real subscribers come back for later tests
        events._subscribers.update(registered)
    # Nothing to announce, but a subscriber asked for exactly this event: it did something.
    assert seen == [("processed", "0123456789ABCDEF0123456789ABCDEF01234567", [(2, 3)])]
    assert event.status == "processed"


@pytest.mark.sqlite_only
def test_it_survives_two_webhooks_for_one_series_racing(app, hooks):
    from plexportal.media import service

    hooks("seerr", "seerr_media_approved_tv")
    one = fixture("sonarr_v4_import_complete")
    two = copy.deepcopy(one)
    two["downloadId"] = "another-client-id"                        # same episodes, different body
    ids = [service.record_webhook("sonarr", __import__("json").dumps(b).encode()).event_id for b in (one, two)]
    assert process_at_once(app, ids) == []
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


# -- series Seerr says are available ---------------------------------------------------------------

WHOLE = matching.WHOLE_SEASON


def available_tv(seasons="1, 2", **changes):
    body = fixture("seerr_media_available_tv")
    body["extra"] = [{"name": "Requested Seasons", "value": seasons}] if seasons is not None else []
    body.update(changes)
    return body


def approved_tv(seasons="1, 2"):
    body = fixture("seerr_media_approved_tv")
    body["extra"] = [{"name": "Requested Seasons", "value": seasons}]
    return body


@pytest.fixture
def mail(set_settings, smtp_server):
    set_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.port), SMTP_SECURITY="none",
                 SMTP_FROM="portal@example.com", BASE_URL="https://portal.example.com", SERVER_NAME="Harbour Server")
    return smtp_server


def send_everything_due():
    from datetime import timedelta

    from plexportal.lib import clock
    from plexportal.notify import send

    clock.freeze(clock.now() + timedelta(minutes=21))
    return send.send_due()["sent"]


def test_it_tells_the_requester_the_seasons_seerr_says_are_available(hooks, mail, fake_plex, set_settings):
    set_settings(AVAILABILITY_CHECK="plex", PLEX_URL=fake_plex.url, PLEX_TOKEN="plex-token")
    show = fake_plex.add_show("The Example Show", tvdb=371234, episodes=[(1, 1), (1, 2), (2, 1), (2, 2)])
    hooks("seerr", approved_tv())
    event = hooks("seerr", available_tv())
    assert MediaRequest.get().status == "available"
    assert "seasons 1, 2 in the library" in event.outcome and "2 item(s) announced" in event.outcome
    bob = User.get(User.email == "bob@example.com")
    assert announced(bob) == [(1, WHOLE), (2, WHOLE)]
    assert send_everything_due() == 1
    [msg] = mail.wait_for(1)
    assert msg["To"] == "bob@example.com"
    assert msg["Subject"] == "Ready to watch: The Example Show Seasons 1 and 2"
    text = msg.get_body(("plain",)).get_content()
    assert "The Example Show (2023), Seasons 1 and 2 are ready to watch." in text
    link = f"https://app.plex.tv/desktop#!/server/machine-abc123/details?key=%2Flibrary%2Fmetadata%2F{show}"
    assert f"Watch on Plex: {link}" in text                         # the show, not an episode
    html = msg.get_body(("html",)).get_content()
    assert "Seasons 1 and 2" in html and "E00" not in text + html and "E-1" not in text + html
    assert send_everything_due() == 0


def test_it_names_a_single_season_on_the_request_page_too(hooks, logged_in):
    hooks("seerr", available_tv("2"))
    assert ready_items() == [(2, WHOLE)]
    [row] = media_ready_rows()
    assert row.payload["items"] == [{"season": 2, "episode": WHOLE, "title": ""}]
    page = logged_in.get(f"/media/requests/{MediaRequest.get().id}").get_data(as_text=True)
    assert "Season 2" in page and "S02E" not in page


def test_it_sends_only_the_episodes_when_sonarr_reported_them_first(hooks):
    hooks("seerr", approved_tv("2"))
    hooks("sonarr", "sonarr_v4_download")                           # S02E03
    event = hooks("seerr", available_tv("2"))
    assert announced() == [(2, 3)] and ready_items() == [(2, 3)]
    assert Arrival.select().where(Arrival.episode == WHOLE).count() == 0
    assert "season 2 known episode by episode" in event.outcome and "announced" not in event.outcome


def test_it_tells_a_season_sonarr_never_reported_next_to_the_episodes_it_did(hooks):
    hooks("seerr", approved_tv("1, 2"))
    hooks("sonarr", "sonarr_v4_download")                           # S02E03 only
    hooks("seerr", available_tv("1, 2"))
    assert announced() == [(1, WHOLE), (2, 3)]
    [row] = media_ready_rows()                                      # still one message: same batch
    assert [(i["season"], i["episode"]) for i in row.payload["items"]] == [(2, 3), (1, WHOLE)]


def test_it_sends_nothing_more_when_sonarr_reports_the_season_late(hooks, mail):
    hooks("seerr", approved_tv("1"))
    hooks("seerr", available_tv("1"))
    assert send_everything_due() == 1
    late = hooks("sonarr", "sonarr_v4_import_complete")            # S01E01-E02, an hour later
    hooks("sonarr", "sonarr_v4_download_multi_episode")
    assert late.status == "processed" and "already announced" in late.outcome
    assert announced() == [(1, WHOLE)]
    assert send_everything_due() == 0
    assert len(mail.wait_for(1)) == 1
    assert mail.messages[0]["Subject"] == "Ready to watch: The Example Show Season 1"


def test_it_keeps_a_late_report_out_of_the_open_batch_too(hooks):
    hooks("seerr", available_tv("1"))
    hooks("sonarr", "sonarr_v4_import_complete")                   # before the batch is even sent
    assert ready_items() == [(1, WHOLE)] and announced() == [(1, WHOLE)]


def test_it_announces_episodes_that_arrive_long_after_the_season(hooks):
    from plexportal.lib import clock

    hooks("seerr", available_tv("1"))
    clock.advance(matching.SEASON_COVERS + timedelta(minutes=1))
    hooks("sonarr", "sonarr_v4_import_complete")                   # S01E01-E02: new to us, told
    assert announced() == [(1, WHOLE), (1, 1), (1, 2)]


def test_it_changes_nothing_when_seerr_says_available_again(hooks, post_hook):
    from plexportal.media import service

    hooks("seerr", approved_tv())
    first = hooks("seerr", available_tv())
    assert post_hook("seerr", available_tv()).get_json()["duplicate"] is True
    assert service.process_event(first.id, force=True) == "processed"
    again = hooks("seerr", available_tv(message="Things happen, again."))   # the same request, another body
    assert again.id != first.id and "announced" not in again.outcome
    assert announced() == [(1, WHOLE), (2, WHOLE)] and len(media_ready_rows()) == 1
    assert Arrival.select().count() == 2


def test_it_never_tells_a_season_as_a_whole_after_one_of_its_episodes(hooks):
    """Whichever reaches a person first wins, even when both are recorded (e.g. Sonarr and Seerr
    processed at the same moment)."""
    hooks("seerr", approved_tv("2"))
    hooks("sonarr", "sonarr_v4_download")                           # bob told S02E03
    req = MediaRequest.get()
    assert matching._record_arrival("tv", matching.parsing.Episode(2, WHOLE), req.title, req.tmdb_id,
                                    req.tvdb_id, None, None)
    assert matching.announce(req) == 0
    assert announced() == [(2, 3)] and ready_items() == [(2, 3)]


def test_it_prefers_the_episodes_when_both_are_new_to_someone(hooks):
    hooks("sonarr", "sonarr_v4_download")                           # no request yet: kept
    req = matching.upsert_request(seerr_request_id=99, media_type="tv", status="approved", user=None,
                                  tvdb_id=371234, tmdb_id=98765, title="The Example Show", seasons=[2])
    assert matching._record_arrival("tv", matching.parsing.Episode(2, WHOLE), req.title, 98765, 371234, None, None)
    carol = User.create(username="carol", email="carol@example.com")
    Follower.create(request=req, user=carol, role="requester")
    assert matching.announce(req) == 1 and announced(carol) == [(2, 3)]


def test_it_announces_no_whole_season_when_seerr_names_none(hooks):
    event = hooks("seerr", available_tv(None))
    assert MediaRequest.get().status == "available" and announced() == []
    assert "named no seasons" in event.outcome


def test_it_leaves_followers_the_seasons_that_were_there_before_them(hooks):
    from plexportal.lib import clock

    hooks("seerr", available_tv("1"))
    clock.advance(timedelta(minutes=5))
    carol = User.create(username="carol", email="carol@example.com")
    assert matching.add_follower(MediaRequest.get(), carol)
    assert matching.announce(MediaRequest.get()) == 0 and announced(carol) == []


@pytest.mark.sqlite_only
def test_it_says_a_season_one_way_when_sonarr_and_seerr_are_processed_together(app, hooks):
    from plexportal.media import service

    hooks("seerr", approved_tv("1"))
    ids = [service.record_webhook(source, json.dumps(body).encode()).event_id
           for source, body in (("sonarr", fixture("sonarr_v4_import_complete")), ("seerr", available_tv("1")))]
    assert process_at_once(app, ids) == []
    assert announced() in ([(1, 1), (1, 2)], [(1, WHOLE)])
    assert ready_items() == announced()


def process_at_once(app, event_ids) -> list[Exception]:
    """Process the stored webhooks on one thread each, released together; the errors raised."""
    from plexportal.db import db as database
    from plexportal.media import service

    barrier = threading.Barrier(len(event_ids))
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

    threads = [threading.Thread(target=run, args=(i,)) for i in event_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_it_records_a_request_event_without_its_request_as_failed_instead_of_crashing(db):
    # parsing.parse refuses such an event; a caller building one itself gets an outcome, not an error.
    from plexportal.media import parsing

    parsed = parsing.Parsed(source="seerr", event_type="MEDIA_APPROVED", kind=parsing.REQUEST, media_type="tv",
                            title="The Example Show", tmdb_id=98765)
    status, outcome = matching.apply_seerr_request(parsed)
    assert status == "failed" and "without its request" in outcome
    assert MediaRequest.select().count() == 0 and User.select().count() == 0


def test_it_records_an_import_without_a_media_type_as_failed_instead_of_crashing(db):
    from plexportal.media import parsing

    parsed = parsing.Parsed(source="sonarr", event_type="Download", kind=parsing.IMPORT, title="The Example Show",
                            tvdb_id=371234, episodes=[parsing.Episode(2, 3, "Pilot")])
    status, outcome = matching.record_import(None, parsed)
    assert status == "failed" and "without a series or film" in outcome
    assert Arrival.select().count() == 0
