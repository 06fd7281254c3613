"""Provisioning when plex.tv or the Plex server misbehave: a person's own token that no longer
works, shares that plex.tv says exist but cannot show, invites the person cannot see yet,
malformed answers, the Plex server down, and the retry queue unreachable."""
from __future__ import annotations

import logging
from datetime import timedelta

from plexportal.invites import access, provisioning, service
from plexportal.invites.models import PlexLibrary, PlexState, Redemption
from plexportal.lib import clock
from plexportal.notify.models import Notification
from tests.fakes.plextv import FakeShare

MID = "machine-abc123"


def redeem(token="friend-token", **invite):
    inv = service.create_invite(invite)
    r = service.redeem_invite(inv.id, service.Claimant("plex:42", "friend@example.com", "plex", plex_user_id=42,
                                                       plex_username="friend", email="friend@example.com",
                                                       user_token=token))
    return Redemption.get_by_id(r.id)


def test_a_persons_stale_token_falls_back_to_plexs_email_and_never_blames_the_owner(db, plex):
    r = redeem(token="stale-token")                                   # plex.tv answers 401 to it
    assert r.state == "invited" and r.user_token == ""               # their token is dropped, not retried
    assert r.error.startswith("Auto-accept failed: plex.tv rejected the token (401)")
    assert (r.attempts, r.next_retry_at) == (0, None)
    assert provisioning.due_for_retry() == []
    assert PlexState.get().token_ok is not False                      # the owner's token is fine
    assert not Notification.select().where(Notification.kind == "invites.token").exists()
    plex.share_of(42).pending = False                                 # they accepted from Plex's email
    access.sync()
    assert Redemption.get_by_id(r.id).state == "active"


def test_plex_tv_claiming_a_share_it_cannot_show_fails_with_the_reason(db, plex):
    plex.fail_next(400, '<Response code="400" status="Already sharing this server with friend@example.com"/>',
                   path=f"/api/servers/{MID}/shared_servers")
    r = redeem()
    assert r.state == "failed"
    assert r.error == "plex.tv says the server is already shared, but the share was not found."
    assert Notification.select().where(Notification.kind == "invites.failed").count() == 1


def test_an_existing_pending_share_is_updated_and_then_accepted_with_the_persons_token(db, plex):
    plex.shares[900] = FakeShare(900, 42, MID, [1003], pending=True)
    r = redeem(libraries=[1001])
    assert r.state == "active"
    assert plex.shares[900].section_ids == [1001] and plex.shares[900].pending is False
    assert plex.calls_to("/api/v2/shared_servers/900/accept", "POST")


def test_an_invite_the_person_cannot_see_yet_is_retried_then_left_to_them(db, plex):
    plex.add_account(43, "aunt", "aunt@example.com", "aunt-token")
    inv = service.create_invite({})
    # The token's own list of pending invites does not show the new share (plex.tv has not caught up).
    r = service.redeem_invite(inv.id, service.Claimant("plex:43", "aunt@example.com", "plex", plex_user_id=43,
                                                       email="aunt@example.com", user_token="friend-token"))
    r = Redemption.get_by_id(r.id)
    assert r.state == "invited" and r.attempts == 1 and "not visible to the person yet" in r.error
    for _ in range(2):
        clock.freeze(Redemption.get_by_id(r.id).next_retry_at + timedelta(seconds=1))
        provisioning.provision(r.id)
    r = Redemption.get_by_id(r.id)
    assert r.state == "invited" and r.attempts == 3
    clock.freeze(r.next_retry_at + timedelta(seconds=1))
    provisioning.provision(r.id)
    r = Redemption.get_by_id(r.id)
    assert (r.state, r.user_token, r.next_retry_at) == ("invited", "", None)     # waits for their Accept
    assert provisioning.due_for_retry() == []


def test_a_share_accepted_elsewhere_is_noticed_without_a_token(db, plex):
    r = redeem(token="")
    assert r.state == "invited"
    plex.share_of(42).pending = False                        # accepted in the Plex app
    assert provisioning.due_for_retry() == []                # invited ones wait for the sync or a retry
    assert provisioning.provision(r.id) == "active"
    assert Redemption.get_by_id(r.id).plex_user_id == 42


def test_a_server_answer_that_is_not_xml_fails_for_good_with_words_for_the_admin(db, plex):
    plex.fail_next(200, "<html><body>Plex is down for maintenance", path="/api/servers/")
    r = redeem()
    assert r.state == "failed" and r.error == "plex.tv did not answer with XML."


def test_a_pin_answer_that_is_not_json_is_a_clear_error(db, plex):
    from plexportal.gateways import plextv
    from plexportal.gateways.base import GatewayError

    plex.fail_next(200, "not json", path="/api/v2/pins/")
    try:
        plextv.from_store().pin(5)
    except GatewayError as err:
        assert err.message == "plex.tv did not answer with JSON." and err.permanent
    else:
        raise AssertionError("no error")


def test_the_plex_server_down_retries_without_touching_plex_tv(db, plex, fake_pms):
    fake_pms.fail_next(503, path="/", times=2)                 # restarting: the call and its one retry
    r = redeem()
    assert r.state == "claimed" and r.attempts == 1 and r.next_retry_at is not None
    assert r.error == "Plex is not answering normally (503); will retry."
    assert plex.calls_to(f"/api/servers/{MID}/shared_servers") == []
    clock.freeze(r.next_retry_at + timedelta(seconds=1))
    provisioning.provision(r.id)
    assert Redemption.get_by_id(r.id).state == "active"


def test_libraries_are_read_once_when_none_are_known(db, plex):
    assert PlexLibrary.select().count() == 0
    redeem()
    assert PlexLibrary.select().count() == 3
    assert PlexState.get().machine_identifier == MID and PlexState.get().server_name == "Harbour Server"
    plex.reset_calls()
    redeem(token="")                                                   # a second one: no second read
    assert plex.calls_to(f"/api/servers/{MID}", "GET") == []


def test_a_revoked_owner_token_while_reading_libraries_is_flagged(db, plex):
    plex.fail_next(401, path=f"/api/servers/{MID}")
    r = redeem()
    assert r.state == "failed" and PlexState.get().token_ok is False


def test_a_retry_that_cannot_be_queued_is_left_for_the_sweep(db, plex, monkeypatch, caplog):
    from plexportal.invites import tasks

    def queue_down(*a, **kw):
        raise ConnectionError("queue unreachable")

    assert tasks.provision_redemption_task.task is not None    # bound to the queue first
    monkeypatch.setattr(tasks.provision_redemption_task.task, "schedule", queue_down)
    plex.fail_next(503, path=f"/api/servers/{MID}/shared_servers", times=3)
    with caplog.at_level(logging.WARNING):
        r = redeem()
    assert "could not schedule retry" in caplog.text
    assert r.state == "claimed" and r.next_retry_at is not None
    clock.freeze(r.next_retry_at + timedelta(seconds=1))
    assert provisioning.due_for_retry() == [r.id]


def test_retrying_a_redemption_that_did_not_fail_changes_nothing(db, plex, admin):
    r = redeem()
    assert r.state == "active"
    assert provisioning.retry(r, actor=admin) is False
    assert Redemption.get_by_id(r.id).state == "active"


def test_permissions_become_plex_tv_filters(db):
    perms = provisioning.permissions({"allow_sync": 1, "filter_ratings": "G, PG", "filter_labels": "kids"})
    assert perms.allow_sync is True and perms.allow_channels is False
    assert perms.filter_movies == "contentRating=G%2CPG|label=kids" == perms.filter_television
    assert perms.filter_music == "label=kids"
    assert provisioning.permissions({}).filter_movies == ""
