"""Batching: items for one user and one title become one message, on time, even under races."""
import threading
from datetime import timedelta

import pytest

from plexportal.db import db as database
from plexportal.lib import clock
from plexportal.notify import batching, send, service
from plexportal.notify.models import Notification


def ep(season, episode, title=""):
    return {"season": season, "episode": episode, "title": title}


def payload(**extra):
    return {"media_type": "tv", "title": "The Quiet Harbour", "year": 2024, "poster_url": "", "overview": "",
            "ids": {"tvdb": 81189, "tmdb": 1396, "imdb": "tt0903747"}, "request_id": 7, **extra}


@pytest.fixture
def smtp(set_settings, smtp_server):
    set_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.port), SMTP_SECURITY="none",
                 SMTP_FROM="portal@example.com", BASE_URL="https://portal.example.com")
    return smtp_server


def test_it_waits_the_initial_delay_then_extends_but_never_past_the_max(db, make_user):
    user = make_user()
    start = clock.now().replace(microsecond=0)
    clock.freeze(start)
    [row] = service.notify_user(user, "media.ready", "tv:81189", ep(1, 1), payload())
    assert row.status == "collecting"
    assert row.send_after == start + timedelta(seconds=420)
    clock.freeze(start + timedelta(seconds=300))
    [row] = service.notify_user(user, "media.ready", "tv:81189", ep(1, 2), payload())
    assert row.send_after == start + timedelta(seconds=600)     # 420 pushed back by 180
    for minute in range(6, 30, 2):             # an episode every 2 minutes for a long while
        clock.freeze(start + timedelta(minutes=minute))
        [row] = service.notify_user(user, "media.ready", "tv:81189", ep(1, minute), payload())
    assert row.send_after == start + timedelta(seconds=1200)
    assert Notification.select().count() == 1


def test_it_never_pulls_a_batch_forward_when_an_episode_arrives_soon_after(db, make_user):
    user = make_user()
    start = clock.now().replace(microsecond=0)
    clock.freeze(start)
    [row] = service.notify_user(user, "media.ready", "tv:81189", ep(1, 1), payload())
    assert row.send_after == start + timedelta(seconds=420)
    clock.freeze(start + timedelta(seconds=5))                 # was: due at +186 s, earlier than before
    [row] = service.notify_user(user, "media.ready", "tv:81189", ep(1, 2), payload())
    assert row.send_after == start + timedelta(seconds=600)
    assert Notification.get_by_id(row.id).send_after == start + timedelta(seconds=600)


def test_it_uses_the_delays_from_settings(db, make_user, set_settings):
    set_settings(BATCH_INITIAL_DELAY="10", BATCH_EXTEND_DELAY="5", BATCH_MAX_WAIT="12")
    user = make_user()
    start = clock.now().replace(microsecond=0)
    clock.freeze(start)
    service.notify_user(user, "media.ready", "tv:1", ep(1, 1), payload())
    clock.freeze(start + timedelta(seconds=9))
    [row] = service.notify_user(user, "media.ready", "tv:1", ep(1, 2), payload())
    assert row.send_after == start + timedelta(seconds=12)


def test_it_sends_one_message_with_an_item_queued_five_times_listed_once(db, make_user, smtp):
    user = make_user()
    for _ in range(5):
        service.notify_user(user, "media.ready", "tv:81189", ep(1, 3, "Harbour Lights"), payload())
    row = Notification.get()
    assert row.payload["items"] == [ep(1, 3, "Harbour Lights")]
    clock.freeze(clock.now() + timedelta(minutes=21))
    assert send.send_due()["sent"] == 1
    [msg] = smtp.wait_for(1)
    assert msg["Subject"] == "Ready to watch: The Quiet Harbour S01E03"
    assert msg.get_body(("plain",)).get_content().count("Harbour Lights") == 1
    assert send.send_due()["sent"] == 0


def test_it_keeps_a_season_pack_in_one_message(db, make_user):
    user = make_user()
    service.notify_user(user, "media.ready", "tv:1", [ep(2, n) for n in range(1, 11)], payload())
    [row] = Notification.select()
    assert [(i["season"], i["episode"]) for i in row.payload["items"]] == [(2, n) for n in range(1, 11)]


def test_it_keeps_separate_titles_and_users_apart(db, make_user):
    ana, ben = make_user("ana"), make_user("ben")
    service.notify_user(ana, "media.ready", "tv:1", ep(1, 1), payload())
    service.notify_user(ana, "media.ready", "tv:2", ep(1, 1), payload())
    service.notify_user(ben, "media.ready", "tv:1", ep(1, 1), payload())
    assert Notification.select().count() == 3


def test_it_starts_a_new_batch_once_the_old_one_is_being_sent(db, make_user, smtp):
    user = make_user()
    [first] = service.notify_user(user, "media.ready", "tv:1", ep(1, 1), payload())
    clock.freeze(clock.now() + timedelta(minutes=8))
    send.seal([first.id])
    assert send._claim(first.id)                       # a sender has it now
    [second] = service.notify_user(user, "media.ready", "tv:1", ep(1, 2), payload())
    assert second.id != first.id
    assert Notification.get_by_id(first.id).payload["items"] == [ep(1, 1)]
    assert second.payload["items"] == [ep(1, 2)]


def test_it_sends_nothing_to_a_user_without_email_or_channels(db, make_user):
    user = make_user("nomail", email="")
    assert service.notify_user(user, "media.ready", "tv:1", ep(1, 1), payload()) == []
    assert Notification.select().count() == 0


def test_it_sends_a_film_as_one_message(db, make_user, smtp):
    user = make_user()
    film = {"media_type": "movie", "title": "Paper Lanterns", "year": 2023, "ids": {"tmdb": 550}, "items": []}
    service.notify_user(user, "media.ready", "movie:550", None, film)
    service.notify_user(user, "media.ready", "movie:550", None, film)
    clock.freeze(clock.now() + timedelta(minutes=8))
    assert send.send_due()["sent"] == 1
    [msg] = smtp.wait_for(1)
    assert msg["Subject"] == "Paper Lanterns is ready to watch"


def _race(n_threads, work):
    barrier = threading.Barrier(n_threads)
    errors = []

    def run(i):
        try:
            database.connect(reuse_if_open=True)
            barrier.wait()
            work(i)
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)
        finally:
            database.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors


def test_it_makes_one_batch_when_two_workers_open_it_at_once(db, make_user):
    user = make_user()
    for attempt in range(5):
        group = f"tv:race{attempt}"
        _race(2, lambda i, group=group: batching.add(user_id=user.id, kind="media.ready", group_key=group, channel="email",
                                          destination=user.email, items=[ep(1, i + 1)], payload=payload()))
        rows = list(Notification.select().where(Notification.group_key == group))
        assert len(rows) == 1
        assert sorted(i["episode"] for i in rows[0].payload["items"]) == [1, 2]


def test_it_loses_no_item_when_many_workers_add_to_one_batch(db, make_user):
    user = make_user()
    _race(8, lambda i: [batching.add(user_id=user.id, kind="media.ready", group_key="tv:many", channel="email",
                                     destination=user.email, items=[ep(1, i * 10 + k)], payload=payload())
                        for k in range(5)])
    [row] = Notification.select()
    assert sorted(i["episode"] for i in row.payload["items"]) == sorted(i * 10 + k for i in range(8) for k in range(5))


def _scheduled_sends():
    from plexportal.queue import huey

    return sorted((t.eta, tuple(t.args[0])) for t in huey.instance.scheduled()
                  if type(t).__name__ == "send_notifications_task")


def test_it_schedules_one_send_per_message_and_follows_the_batch_when_it_moves(db, make_user, smtp):
    from plexportal.notify.tasks import send_notifications_task
    from plexportal.queue import huey

    huey.instance.storage.flush_schedule()
    user = make_user()
    start = clock.now().replace(microsecond=0)
    clock.freeze(start)
    [row] = service.notify_user(user, "media.ready", "tv:81189", ep(1, 1), payload())
    first = _scheduled_sends()
    for n in range(2, 12):                      # ten more episodes: the message moves, no task added
        clock.freeze(start + timedelta(seconds=10 * n))
        service.notify_user(user, "media.ready", "tv:81189", ep(1, n), payload())
    assert len(first) == 1 and _scheduled_sends() == first
    moved = Notification.get_by_id(row.id).send_after
    assert moved > start + timedelta(seconds=420)
    clock.freeze(start + timedelta(seconds=420))                 # the first send finds it moved
    huey.instance.storage.flush_schedule()
    send_notifications_task.call_local([row.id])
    assert Notification.get_by_id(row.id).status == "collecting"
    [(eta, ids)] = _scheduled_sends()
    assert ids == (row.id,) and clock.ensure_utc(eta.replace(tzinfo=clock.UTC)) == moved
    clock.freeze(moved)                                         # and comes back at the new time
    huey.instance.storage.flush_schedule()
    send_notifications_task.call_local([row.id])
    assert Notification.get_by_id(row.id).status == "sent" and _scheduled_sends() == []
    [msg] = smtp.wait_for(1)
    assert "S01E01–E11 (11 episodes)" in msg.get_body(("plain",)).get_content()
