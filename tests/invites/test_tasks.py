"""The invites worker tasks: each does nothing without a Plex token, survives plex.tv being down,
and the sweeps pick up what a lost task or a killed worker left behind."""
from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from plexportal.invites import provisioning, service, tasks
from plexportal.invites.models import Access, PlexState, Redemption
from plexportal.lib import clock
from plexportal.queue import huey
from tests.fakes.plextv import FakeShare

MID = "machine-abc123"


def claimed(**kw):
    invite = service.create_invite({"libraries": [1002]})
    values = dict(invite=invite, account_key="plex:42", identifier="friend@example.com", via="form",
                  email="friend@example.com", terms=service.terms_of(invite), state="claimed")
    values.update(kw)
    return Redemption.create(**values)


def test_the_sync_waits_for_a_plex_server_to_be_set(db, fake_plextv):
    assert tasks.sync_users_task.call_local() is None
    assert fake_plextv.calls == []


def test_the_sync_reports_and_logs_when_plex_tv_is_down(db, plex, caplog):
    plex.fail_next(502, path="/api/users/", times=3)
    with caplog.at_level(logging.WARNING):
        assert tasks.sync_users_task.call_local() is None
    assert "plex.tv user sync failed" in caplog.text and "will retry" in caplog.text
    plex.shares[900] = FakeShare(900, 42, MID, [1001], pending=False)
    assert tasks.sync_users_task.call_local() == {"users": 1, "activated": 0}
    assert Access.get(Access.plex_user_id == 42).share_id == 900


def test_a_revoked_owner_token_during_the_sync_is_flagged(db, plex):
    provisioning.refresh_libraries()
    plex.fail_next(401, path="/api/users/")
    assert tasks.sync_users_task.call_local() is None
    assert PlexState.get().token_ok is False


def test_the_token_check_needs_a_token_and_says_yes_or_no(db, plex, set_settings):
    assert tasks.check_plex_token_task.call_local() is True
    plex.fail_next(401, path="/api/v2/user")
    assert tasks.check_plex_token_task.call_local() is False
    set_settings(PLEX_TOKEN="")
    plex.reset_calls()
    assert tasks.check_plex_token_task.call_local() is None
    assert plex.calls == []


def test_a_token_check_that_cannot_reach_plex_tv_does_not_call_the_token_bad(db, plex):
    assert tasks.check_plex_token_task.call_local() is True
    plex.fail_next(503, path="/api/v2/user", times=3)
    assert tasks.check_plex_token_task.call_local() is False
    state = PlexState.get()
    assert state.token_ok is None and "internal error" in state.message       # unknown, not "revoked"


def test_the_expiry_sweep_reports_what_it_did(db, plex):
    Access.create(plex_user_id=42, username="friend", title="friend", status="active",
                  expires_at=clock.now() - timedelta(minutes=1))
    assert tasks.expire_access_task.call_local() == {"reminded": 0, "expired": 1}
    assert tasks.expire_access_task.call_local() == {"reminded": 0, "expired": 0}


def test_the_minute_sweep_provisions_what_is_due_and_skips_what_is_not(db, plex):
    due = claimed(next_retry_at=clock.now() - timedelta(seconds=1), attempts=1)
    later = claimed(account_key="plex:43", identifier="aunt@example.com", email="aunt@example.com",
                    next_retry_at=clock.now() + timedelta(minutes=5), attempts=1)
    assert tasks.retry_provisioning_task.call_local() == 1
    assert Redemption.get_by_id(due.id).state in ("invited", "accepted", "active")
    assert Redemption.get_by_id(later.id).state == "claimed"


def test_a_claim_whose_task_was_lost_is_picked_up_after_five_minutes(db, plex):
    lost = claimed(updated_at=clock.now())
    assert provisioning.due_for_retry() == []
    clock.freeze(clock.now() + timedelta(minutes=5, seconds=1))
    assert provisioning.due_for_retry() == [lost.id]
    assert tasks.retry_provisioning_task.call_local() == 1


def test_finished_and_failed_redemptions_are_never_swept(db, plex):
    for state in ("active", "failed", "declined", "awaiting_approval"):
        claimed(account_key=f"k:{state}", state=state, next_retry_at=clock.now() - timedelta(hours=1),
                updated_at=clock.now() - timedelta(hours=1))
    assert provisioning.due_for_retry() == []


def test_recovery_at_start_comes_back_when_a_dead_workers_lease_runs_out(db, plex, set_settings):
    set_settings(WORKER_LEASE_SECONDS="60")
    now = clock.now()
    held = claimed(leased_by="host:1:dead", lease_until=now + timedelta(seconds=60))
    before = len(huey.instance.scheduled())
    assert tasks.recover_provisioning_task.call_local() == 0                  # still held: nothing now
    [again] = huey.instance.scheduled()[before:]
    assert again.name.endswith("recover_provisioning_task") and again.args == (1,)
    assert abs((again.eta.replace(tzinfo=clock.UTC) - (held.lease_until + timedelta(seconds=1))).total_seconds()) < 1
    clock.freeze(now + timedelta(seconds=61))
    assert tasks.recover_provisioning_task.call_local(1) == 1
    assert Redemption.get_by_id(held.id).state != "claimed"


def test_recovery_stops_rescheduling_itself_after_five_rounds(db, plex):
    claimed(leased_by="host:1:dead", lease_until=clock.now() + timedelta(seconds=60))
    before = len(huey.instance.scheduled())
    tasks.recover_provisioning_task.call_local(5)
    assert len(huey.instance.scheduled()) == before


@pytest.mark.parametrize("state", ["active", "failed", "declined", "awaiting_approval"])
def test_provisioning_a_redemption_that_is_not_in_progress_does_nothing(db, plex, state):
    r = claimed(state=state)
    plex.reset_calls()
    assert tasks.provision_redemption_task.call_local(r.id) == state
    assert plex.calls == []


def test_provisioning_a_redemption_that_is_gone_says_so(db, plex):
    assert tasks.provision_redemption_task.call_local(987654) == "missing"


def test_a_claim_is_kept_when_the_queue_is_down_and_the_sweep_provisions_it(db, plex, monkeypatch, caplog):
    def queue_down(*args, **kwargs):
        raise ConnectionError("redis: connection refused")

    assert tasks.provision_redemption_task.task is not None    # bound to the queue first
    monkeypatch.setattr(tasks.provision_redemption_task, "_task", queue_down)
    invite = service.create_invite({})
    r = service.redeem_invite(invite.id, service.Claimant("plex:42", "friend@example.com", "plex", plex_user_id=42,
                                                          email="friend@example.com"))
    assert Redemption.get_by_id(r.id).state == "claimed"
    assert "could not enqueue provisioning" in caplog.text
    monkeypatch.undo()
    clock.freeze(clock.now() + timedelta(minutes=6))
    assert tasks.retry_provisioning_task.call_local() == 1
    assert Redemption.get_by_id(r.id).state != "claimed"
