"""A burst of Downloads is processed in batches: the worker takes the Downloads waiting after the
one its task names and processes them together. Everyone must get exactly the messages they got
when each Download was processed on its own, a failure must lose nothing, and the database work
must not go back to a few statements per Download."""
import json
from datetime import timedelta

import pytest

from plexportal.auth.models import User
from plexportal.db import db as database
from plexportal.lib import clock
from plexportal.media import matching, service
from plexportal.media.models import Announcement, Arrival, Follower, MediaRequest, WebhookEvent
from plexportal.notify.models import Notification
from tests.media.conftest import fixture, ready_items
from tests.media.test_announce_history import LATER, download
from tests.media.test_download_statements import requested_show as show
from tests.statements import counting


def episode_of(tvdb, season, episode, tag=""):
    body = download(season, episode)
    body["series"].update(tvdbId=tvdb, tmdbId=tvdb, title=f"Show {tvdb}")
    body["downloadId"] = f"dl-{tvdb}-{season}-{episode}-{tag}"
    return body


def store(source, body) -> int:
    """What the web does: the webhook stored, its processing left to the worker."""
    return service.record_webhook(source, json.dumps(body).encode()).event_id


def outbox_and_outcomes(ids):
    """Everything a person would notice, by natural keys (ids differ between runs)."""
    messages = sorted((n.user_id, n.channel, n.destination, n.group_key, n.status, json.dumps(n.payload),
                       n.send_after, n.first_item_at) for n in Notification.select())
    told = sorted((a.request_id, a.user_id, a.season, a.episode) for a in Announcement.select())
    arrivals = sorted((a.media_key, a.season, a.episode, a.event_id, a.request_id) for a in Arrival.select())
    events = [(e.id, e.status, e.outcome) for e in WebhookEvent.select().where(WebhookEvent.id.in_(ids))
              .order_by(WebhookEvent.id)]
    return messages, told, arrivals, events


def burst_scenario(hooks):
    """Three shows and a film with followers, an open message from before, then a burst with
    everything a burst can hold: shows interleaved, an episode out of order, the same episode
    twice, a season nobody asked for, a show nobody requested, a body that is not understood, a
    Grab in the middle and someone who started following after the episodes arrived."""
    clock.freeze(clock.now().replace(microsecond=0))
    a, b = show(hooks, 900, 3), show(hooks, 901, 1, seasons="1")
    movie = fixture("seerr_media_approved_movie")
    movie["request"].update(request_id="77", requestedBy_email="m@example.com", requestedBy_username="m")
    hooks("seerr", movie)
    clock.advance(LATER)
    hooks("sonarr", episode_of(900, 1, 1))                    # everyone of show 900 has an open message
    late = User.create(username="late", email="late@example.com")
    Follower.create(request=a, user=late, role="follower", created_at=clock.now() + timedelta(hours=1))
    clock.advance(timedelta(seconds=5))
    broken = episode_of(900, 1, 9)
    broken["episodes"] = []
    bodies = [("sonarr", episode_of(900, 1, 3)), ("sonarr", episode_of(901, 1, 1)),
              ("sonarr", episode_of(900, 1, 2)), ("sonarr", episode_of(902, 1, 1)),
              ("sonarr", episode_of(900, 1, 2, "again")), ("sonarr", broken), ("sonarr", episode_of(900, 3, 1)),
              ("radarr", fixture("radarr_v5_download")), ("sonarr", fixture("sonarr_v4_grab")),
              ("sonarr", episode_of(901, 1, 2)), ("sonarr", episode_of(900, 2, 1)),
              ("sonarr", dict(episode_of(901, 1, 2, "upgrade"), isUpgrade=True))]
    ids = [store(source, body) for source, body in bodies]
    return a, b, ids


def saved():
    return {model: list(model.select().dicts()) for model in (Notification, Announcement, Arrival)}, \
        {r.id: (r.full_pass_at, r.updated_at) for r in MediaRequest.select()}


def restore(state, ids):
    rows, requests = state
    for model in (Notification, Announcement, Arrival):
        model.delete().execute()
        if rows[model]:
            model.insert_many(rows[model]).execute()
    for req_id, (full_pass_at, updated_at) in requests.items():
        MediaRequest.update(full_pass_at=full_pass_at, updated_at=updated_at).where(MediaRequest.id == req_id).execute()
    (WebhookEvent.update(status="received", outcome="", processed_at=None, attempts=0)
     .where(WebhookEvent.id.in_(ids)).execute())


def test_a_burst_in_batches_sends_everyone_what_one_by_one_sent(hooks, monkeypatch):
    _, _, ids = burst_scenario(hooks)
    before = saved()
    with monkeypatch.context() as one:
        one.setattr(service, "BATCH", 1)
        for event_id in ids:
            service.process_event(event_id)
    one_by_one = outbox_and_outcomes(ids)

    restore(before, ids)
    statuses = [service.process_event(event_id) for event_id in ids]
    batched = outbox_and_outcomes(ids)

    assert batched == one_by_one
    # Two batches (the Grab in the middle ends the first), each taken by the first task; the tasks
    # of the others found their event done and did nothing.
    assert statuses[0] == "processed" and statuses[9] == "processed" and statuses.count(None) == len(ids) - 3
    _, _, _, events = batched
    assert [s for _, s, _ in events] == ["processed", "processed", "processed", "unmatched", "processed", "failed",
                                         "processed", "processed", "processed", "processed", "processed", "processed"]
    assert "already announced" in events[4][2] and "Not understood" in events[5][2]
    # The episodes in each message in the order they came, 1x3 before 1x2, as one by one.
    requester = MediaRequest.get(MediaRequest.tvdb_id == 900).requested_by_id
    row = Notification.get((Notification.user == requester) & (Notification.group_key == "media.ready:tvdb:900"))
    assert [(i["season"], i["episode"]) for i in row.payload["items"]] == [(1, 1), (1, 3), (1, 2), (2, 1)]
    assert ready_items(User.get(User.username == "late").id) == []


def test_a_download_that_fails_in_a_batch_holds_up_no_other_and_is_not_lost(hooks, monkeypatch):
    req = show(hooks, 910, 2)
    clock.advance(LATER)
    ids = [store("sonarr", episode_of(910, 1, n)) for n in (1, 2, 3, 4)]
    real = matching.describe

    def fails_on_episode_3(title, items, media_type):
        if any(ep.episode == 3 for ep in items):
            raise RuntimeError("a bug that only this Download meets")
        return real(title, items, media_type)

    with monkeypatch.context() as broken:
        broken.setattr(matching, "describe", fails_on_episode_3)
        assert service.process_event(ids[0]) == "processed"
        for event_id in ids[1:]:
            if event_id == ids[2]:
                with pytest.raises(RuntimeError):         # its own task fails and is retried
                    service.process_event(event_id)
            else:
                assert service.process_event(event_id) is None     # done with the first
    statuses = [WebhookEvent.get_by_id(i).status for i in ids]
    assert statuses == ["processed", "processed", "received", "processed"]
    people = [f.user_id for f in Follower.select().where(Follower.request == req)]
    assert all(ready_items(p) == [(1, 1), (1, 2), (1, 4)] for p in people)

    # Once the bug is gone, the waiting one goes through (the retry or the sweep), told once.
    assert service.process_event(ids[2]) == "processed"
    assert all(ready_items(p) == [(1, 1), (1, 2), (1, 3), (1, 4)] for p in people)
    assert Announcement.select().where(Announcement.request == req).count() == 4 * len(people)


def test_a_worker_killed_mid_batch_leaves_every_download_waiting_and_nothing_half_done(hooks, monkeypatch):
    req = show(hooks, 920, 2)
    clock.advance(LATER)
    hooks("sonarr", episode_of(920, 1, 1))
    ids = [store("sonarr", episode_of(920, 1, n)) for n in (2, 3, 4)]

    def killed(results):
        raise SystemExit("killed")                  # not an error the worker handles: it is gone

    with monkeypatch.context() as kill:
        kill.setattr(service, "_finish_many", killed)
        with pytest.raises(SystemExit):
            service.process_event(ids[0])
    assert [WebhookEvent.get_by_id(i).status for i in ids] == ["received"] * 3
    people = [f.user_id for f in Follower.select().where(Follower.request == req)]
    assert all(ready_items(p) == [(1, 1)] for p in people)
    assert Arrival.select().count() == 1 and Announcement.select().where(Announcement.episode > 1).count() == 0

    # Processed again (the task's retry, or the sweep of waiting webhooks): everyone told once.
    for event_id in ids:
        service.process_event(event_id)
    assert all(ready_items(p) == [(1, 1), (1, 2), (1, 3), (1, 4)] for p in people)
    assert Notification.select().where(Notification.group_key == "media.ready:tvdb:920").count() == len(people)


def _batch_statements(ids):
    with counting(database.obj) as counted:
        for event_id in ids:
            service.process_event(event_id)
    return [sql for sql in counted.sql if 'FROM "setting"' not in sql]


def test_a_batch_costs_the_same_statements_for_sixty_downloads_as_for_twenty(hooks):
    shows = [910 + n for n in range(4)]
    for tvdb in shows:
        show(hooks, tvdb, 5)
    clock.advance(LATER)
    _batch_statements([store("sonarr", episode_of(tvdb, 1, 1)) for tvdb in shows])   # everyone's message opened
    twenty = _batch_statements([store("sonarr", episode_of(shows[n % 4], 1, 2 + n // 4)) for n in range(20)])
    sixty = _batch_statements([store("sonarr", episode_of(shows[n % 4], 2, 1 + n // 4)) for n in range(60)])
    # Per show and per batch, not per Download or per person: the other tasks cost one look-up each.
    assert len(sixty) - 60 == len(twenty) - 20
    # A show's share of a batch costs what one Download of it cost alone (26 statements).
    assert len(sixty) - 60 <= 4 * 26, "\n".join(sixty)
    assert sum('"notification"' in sql for sql in sixty) <= 4 * 3, "\n".join(sixty)
    for tvdb in shows:
        req = MediaRequest.get(MediaRequest.tvdb_id == tvdb)
        assert ready_items(req.requested_by_id) == [(1, e) for e in range(1, 7)] + [(2, e) for e in range(1, 16)]
