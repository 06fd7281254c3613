"""Provisioning under concurrency and crashes: a lease on the redemption and conditional
transitions, so the retry task and the minute sweep never provision one person twice, a killed
worker's redemption is taken over when its lease runs out, and two syncs at once both succeed."""
import threading
from datetime import timedelta

from plexportal.db import db_session
from plexportal.invites import access, provisioning, service
from plexportal.invites.models import Access, Redemption
from plexportal.lib import clock
from plexportal.notify.models import Notification
from tests.fakes.plextv import FakeShare

MID = "machine-abc123"


def claimed_redemption():
    invite = service.create_invite({"libraries": [1002]})
    return Redemption.create(invite=invite, account_key="plex:42", identifier="friend@example.com", via="form",
                             email="friend@example.com", terms=service.terms_of(invite), state="claimed")


def in_threads(app, fn, count=2):
    errors = []

    def run():
        try:
            with app.app_context(), db_session():
                fn()
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)
    threads = [threading.Thread(target=run) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []


def test_it_shares_once_when_the_retry_task_and_the_sweep_run_together(app, db, plex, mail):
    r = claimed_redemption()
    plex.delay = 0.3                              # plex.tv is slow: both workers are in flight at once
    in_threads(app, lambda: provisioning.provision(r.id))
    assert len(plex.calls_to(f"/api/servers/{MID}/shared_servers", "POST")) == 1
    assert Redemption.get_by_id(r.id).state in ("invited", "accepted", "active")
    assert Redemption.get_by_id(r.id).leased_by == ""


def test_it_takes_over_a_killed_workers_redemption_when_its_lease_runs_out(db, plex, mail, set_settings):
    set_settings(WORKER_LEASE_SECONDS="60")
    r = claimed_redemption()
    now = clock.now()
    Redemption.update(leased_by="host:999:dead", lease_until=now + timedelta(seconds=60), updated_at=now).where(
        Redemption.id == r.id).execute()
    assert provisioning.due_for_retry() == []
    assert provisioning.provision(r.id) == "claimed"          # still held: nothing done
    assert plex.calls_to(f"/api/servers/{MID}/shared_servers", "POST") == []
    clock.freeze(now + timedelta(seconds=61))                  # the dead worker stopped renewing
    assert provisioning.due_for_retry() == [r.id]
    assert provisioning.provision(r.id) == "invited"            # shared; the person accepts next
    assert len(plex.calls_to(f"/api/servers/{MID}/shared_servers", "POST")) == 1


def test_it_leaves_a_redemption_the_admin_changed_meanwhile(db, plex, mail):
    r = claimed_redemption()
    real = provisioning._share

    def share_then_admin_declines(gw, mid, redemption):
        Redemption.update(state="declined").where(Redemption.id == redemption.id).execute()
        real(gw, mid, redemption)
    provisioning._share = share_then_admin_declines
    try:
        provisioning.provision(r.id)
    finally:
        provisioning._share = real
    assert Redemption.get_by_id(r.id).state == "declined"     # not overwritten with "invited"


def test_it_survives_two_syncs_at_once_with_one_row_per_person(app, db, plex):
    for uid in range(43, 49):
        plex.add_account(uid, f"p{uid}", f"p{uid}@example.com", f"t{uid}")
        plex.shares[900 + uid] = FakeShare(900 + uid, uid, MID, [1001], pending=False)
    plex.delay = 0.05
    in_threads(app, access.sync, count=3)
    assert Access.select().count() == 6
    assert sorted(a.plex_user_id for a in Access.select()) == list(range(43, 49))


def test_it_activates_and_welcomes_once_when_sync_and_provisioning_race(app, db, plex, mail):
    r = claimed_redemption()
    provisioning.provision(r.id)
    plex.add_account(42, "friend", "friend@example.com", "friend-token") if not plex.share_of(42) else None
    Redemption.update(state="invited", plex_user_id=42).where(Redemption.id == r.id).execute()
    share = plex.share_of(42)
    if share is not None:
        share.pending = False
    in_threads(app, lambda: (access.sync(), provisioning.provision(r.id)), count=2)
    assert Redemption.get_by_id(r.id).state == "active"
    assert Notification.select().where(Notification.kind == "invites.welcome").count() == 1
