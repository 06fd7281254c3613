"""Two first sightings of the same human at the same moment, through any two doors, end as one row.

Each door is called the way the code behind it calls it (the invite form and Sign in with Plex
through `redeem_invite`, the plex.tv sync through `link_user`, a Seerr webhook's requester, a
Seerr user sync, Jellyfin), on threads released together. Runs on SQLite and PostgreSQL.
"""
import itertools
import threading

import pytest

from plexportal.auth.models import User
from plexportal.people.models import IdentityKey

EMAIL = "robin@example.com"


def invite_form(invite_id):
    from plexportal.invites import service
    service.redeem_invite(invite_id, service.Claimant(account_key=f"name:{EMAIL}", identifier=EMAIL, via="form",
                                                      email=EMAIL))


def invite_plex(invite_id):
    from plexportal.invites import service
    service.redeem_invite(invite_id, service.Claimant(account_key="plex:777", identifier="robin", via="plex",
                                                      plex_user_id=777, plex_username="robin", email=EMAIL))


def plex_sync(_invite_id):
    from plexportal.invites.access import link_user
    link_user(777, EMAIL, "robin")


def seerr_webhook(_invite_id):
    from plexportal.media import matching
    matching.find_or_create_user(email=EMAIL, username="Robin")


def seerr_sync(_invite_id):
    from plexportal.gateways import seerr
    from plexportal.media import sync
    sync.user_from_seerr(seerr.SeerrUser(id=31, email=EMAIL, display_name="Robin", plex_id=777))


def jellyfin(_invite_id):
    from plexportal.people import service as people
    people.find_or_create_person("jellyfin", jellyfin_user_id="f00d", email=EMAIL, display_name="Robin")


DOORS = [invite_form, invite_plex, plex_sync, seerr_webhook, seerr_sync, jellyfin]
PAIRS = list(itertools.combinations_with_replacement(DOORS, 2))


def run_together(app, calls) -> list[BaseException]:
    from plexportal.db import db

    db.close()
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call):
        try:
            with app.app_context():
                db.connect(reuse_if_open=True)
                try:
                    barrier.wait()
                    call()
                finally:
                    db.close()
        except BaseException as err:  # noqa: BLE001 - reported by the test
            errors.append(err)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    db.connect(reuse_if_open=True)
    return errors


@pytest.fixture
def no_provisioning(monkeypatch):
    from plexportal.invites import service
    monkeypatch.setattr(service, "enqueue_provisioning", lambda _id: None)


@pytest.mark.parametrize("first,second", PAIRS, ids=[f"{a.__name__}+{b.__name__}" for a, b in PAIRS])
def test_two_doors_seeing_the_same_human_at_once_make_one_person(app, db, no_provisioning, first, second):
    from plexportal.invites import service

    invites = [service.create_invite({"max_uses": None}).id for _ in range(2)]
    errors = run_together(app, [lambda: first(invites[0]), lambda: second(invites[1])])
    assert errors == []
    people = list(User.select().where(User.role == "user"))
    assert len(people) == 1, [(p.id, p.email, p.plex_user_id, p.seerr_user_id) for p in people]
    assert IdentityKey.get(IdentityKey.key == f"email:{EMAIL}").user_id == people[0].id
    from plexportal.invites.models import Redemption
    assert {r.user_id for r in Redemption.select()} <= {people[0].id}


def test_many_sightings_through_every_door_at_once_make_one_person_with_every_id(app, db, no_provisioning):
    from plexportal.invites import service

    invite = service.create_invite({"max_uses": None}).id
    errors = run_together(app, [lambda d=d: d(invite) for d in DOORS for _ in range(2)])
    assert [e for e in errors if not isinstance(e, service.AlreadyRedeemed)] == []
    [person] = User.select().where(User.role == "user")
    assert (person.plex_user_id, person.seerr_user_id, person.jellyfin_user_id) == (777, 31, "f00d")
