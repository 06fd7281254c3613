"""A Download is told to all of a show's followers with a few statements for all of them, not a
few per person: the database round trips per Download stay the same from 3 followers to 40, and
everyone still gets their message (with the episode in it, in their own batch)."""
from datetime import timedelta

from plexportal.auth.models import User
from plexportal.db import db
from plexportal.lib import clock
from plexportal.media import matching
from plexportal.media.models import Follower, MediaRequest
from plexportal.notify.models import Notification
from tests.media.conftest import ready_items
from tests.media.test_announce_history import LATER, download, seerr
from tests.statements import counting


def requested_show(hooks, show, followers, seasons="1, 2"):
    """A show requested through Seerr (tvdb and tmdb id `show`), followed by `followers` more people."""
    body = seerr("seerr_media_approved_tv", seasons=seasons, request_id=show,
                 email=f"requester{show}@example.com")
    body["media"].update(tvdbId=str(show), tmdbId=str(show))
    hooks("seerr", body)
    req = MediaRequest.get(MediaRequest.tvdb_id == show)
    for n in range(followers):
        user = User.create(username=f"f{show}x{n}", email=f"f{show}x{n}@example.com")
        Follower.create(request=req, user=user, role="follower", created_at=clock.now() - timedelta(days=1))
    return req


def show_with_followers(hooks, show, followers):
    req = requested_show(hooks, show, followers)
    clock.advance(LATER)
    matching.announce(MediaRequest.get_by_id(req.id))
    return req


def work(hooks, show, episode):
    body = download(1, episode)
    body["series"].update(tvdbId=show, tmdbId=show)
    with counting(db.obj) as counted:
        event = hooks("sonarr", body)
    assert event.status == "processed", event.outcome
    # The settings cache expires after a few seconds; its reload is not the Download's work.
    return [sql for sql in counted.sql if 'FROM "setting"' not in sql], event


def test_a_download_costs_the_same_statements_for_forty_followers_as_for_three(hooks):
    show_with_followers(hooks, 800, 1)
    small = show_with_followers(hooks, 801, 2)
    large = show_with_followers(hooks, 802, 39)
    work(hooks, 800, 1)                                      # caches warmed on another show

    # The first episode opens everyone's batch; the second adds to the open batches.
    for episode in (1, 2):
        few, few_event = work(hooks, 801, episode)
        many, many_event = work(hooks, 802, episode)
        assert "3 announcement" in few_event.outcome and "40 announcement" in many_event.outcome
        assert len(many) == len(few), "\n".join(many)
        assert len(many) < 40
    # Nothing per person: the outbox is read and written once for everyone.
    assert sum('"notification"' in sql for sql in many) <= 4, "\n".join(many)

    # Everyone has one message for the show, holding the episodes in order.
    rows = Notification.select().where(Notification.group_key == f"media.ready:tvdb:{large.tvdb_id}")
    assert rows.count() == 40
    for person in Follower.select().where(Follower.request == large):
        assert ready_items(person.user_id) == [(1, 1), (1, 2)]
    assert ready_items(small.requested_by_id) == [(1, 1), (1, 2)]


def test_a_batch_changed_meanwhile_still_gets_the_episode(hooks):
    req = show_with_followers(hooks, 803, 4)
    work(hooks, 803, 1)
    # Another worker moved one person's batch on a moment ago: the version read no longer holds
    # for that row, so it is added to on its own, and nobody's episode is lost.
    one = Notification.select().where(Notification.user == req.requested_by_id).get()
    Notification.update(batch_version=Notification.batch_version + 5).where(Notification.id == one.id).execute()
    # And one person's batch was sealed for sending: the next episode opens a new one.
    two = Notification.select().where(Notification.user != req.requested_by_id).order_by(Notification.id).first()
    Notification.update(status="pending", batch_key=None).where(Notification.id == two.id).execute()
    _, event = work(hooks, 803, 2)
    assert "5 announcement" in event.outcome
    for person in Follower.select().where(Follower.request == req):
        assert ready_items(person.user_id) == [(1, 1), (1, 2)]
    assert Notification.select().where(Notification.user == two.user_id).count() == 2
