"""Claiming a use: atomic, once per Plex account, never past the limit, the expiry or a disable."""
import threading
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plexportal.invites import codes, service
from plexportal.invites.models import Invite, Redemption
from plexportal.lib import clock


def who(n: int, via: str = "form") -> service.Claimant:
    return service.Claimant(account_key=f"name:person{n}", identifier=f"person{n}@example.com", via=via)


@pytest.fixture
def no_provisioning(monkeypatch):
    """These tests are about the claim; provisioning has its own tests."""
    calls = []
    monkeypatch.setattr(service, "enqueue_provisioning", calls.append)
    return calls


def test_it_makes_long_unambiguous_codes_and_reads_them_back_forgivingly(db):
    code = codes.new_code()
    assert len(code) >= 10 and set(code) <= set(codes.ALPHABET)
    assert not set("ILOU") & set(codes.ALPHABET)
    assert codes.normalize("abcd-efgh-jk0o") == "ABCDEFGHJK00"
    assert codes.normalize("i1l") == "111"
    invite = service.create_invite({"label": "x"})
    assert service.get_invite_by_code(invite.code.lower()).id == invite.id
    with pytest.raises(ValueError):
        codes.new_code(8)
    assert codes.is_valid_custom("short") == "Use at least 10 characters so the link cannot be guessed."


@given(st.text(max_size=60))
def test_it_never_crashes_on_any_typed_code(text):
    out = codes.normalize(text)
    assert out == "" or set(out) <= set(codes.ALPHABET)


def test_it_parses_expiry_as_a_duration_or_a_local_date():
    now = clock.now().replace(microsecond=0)
    assert codes.parse_expiry("7d", now) == now + timedelta(days=7)
    assert codes.parse_expiry("", now) is None
    end = codes.parse_expiry("2999-12-31", now)
    assert (end.year, end.hour, end.minute) == (2999, 23, 59)
    with pytest.raises(ValueError, match="already passed"):
        codes.parse_expiry("2000-01-01", now)
    with pytest.raises(ValueError, match="duration"):
        codes.parse_expiry("next tuesday", now)
    assert codes.parse_uses("unlimited") is None and codes.parse_uses("3") == 3
    with pytest.raises(ValueError):
        codes.parse_uses("-1")


def test_it_counts_uses_and_refuses_the_one_past_the_limit(db, no_provisioning):
    invite = service.create_invite({"max_uses": 2})
    service.redeem_invite(invite.id, who(1))
    service.redeem_invite(invite.id, who(2))
    with pytest.raises(service.NotRedeemable) as caught:
        service.redeem_invite(invite.id, who(3))
    assert caught.value.reason == "used_up"
    assert Invite.get_by_id(invite.id).use_count == 2
    assert Redemption.select().count() == 2
    assert service.invite_status(Invite.get_by_id(invite.id)) == "used up"


def test_it_lets_one_account_redeem_an_invite_once(db, no_provisioning):
    invite = service.create_invite({"max_uses": None})
    first = service.redeem_invite(invite.id, who(1))
    with pytest.raises(service.AlreadyRedeemed) as caught:
        service.redeem_invite(invite.id, who(1))
    assert caught.value.redemption.id == first.id
    assert Invite.get_by_id(invite.id).use_count == 1


def test_it_refuses_expired_and_disabled_invites(db, no_provisioning):
    expired = service.create_invite({"expires_at": clock.now() + timedelta(hours=1)})
    clock.freeze(clock.now() + timedelta(hours=2))
    with pytest.raises(service.NotRedeemable) as caught:
        service.redeem_invite(expired.id, who(1))
    assert caught.value.reason == "expired"
    off = service.create_invite({"enabled": False})
    with pytest.raises(service.NotRedeemable) as caught:
        service.redeem_invite(off.id, who(1))
    assert caught.value.reason == "disabled"
    assert Redemption.select().count() == 0


def test_it_gives_the_last_use_to_exactly_one_of_many_racing_people(app, db, no_provisioning):
    invite = service.create_invite({"max_uses": 3})
    service.redeem_invite(invite.id, who(0))
    service.redeem_invite(invite.id, who(1))             # one use left
    db.close()
    barrier = threading.Barrier(8)
    outcomes = []

    def race(n):
        with app.app_context():
            db.connect(reuse_if_open=True)
            barrier.wait()
            try:
                service.redeem_invite(invite.id, who(100 + n))
                outcomes.append("won")
            except service.NotRedeemable:
                outcomes.append("lost")
            finally:
                db.close()

    threads = [threading.Thread(target=race, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    db.connect(reuse_if_open=True)
    assert sorted(outcomes) == ["lost"] * 7 + ["won"]
    assert Invite.get_by_id(invite.id).use_count == 3
    assert Redemption.select().where(Redemption.invite == invite.id).count() == 3


def test_it_keeps_an_invite_unlimited_and_tracks_everyone(db, no_provisioning):
    invite = service.create_invite({"max_uses": None})
    for n in range(5):
        service.redeem_invite(invite.id, who(n))
    assert Invite.get_by_id(invite.id).use_count == 5
    assert service.is_redeemable(Invite.get_by_id(invite.id))
    assert len(no_provisioning) == 5


def test_it_holds_approval_submissions_and_gives_the_use_back_on_decline(db, no_provisioning, admin):
    invite = service.create_invite({"max_uses": 1, "requires_approval": True})
    r = service.redeem_invite(invite.id, who(1))
    assert r.state == "awaiting_approval" and no_provisioning == []
    assert service.decline(r, actor=admin) is True
    assert Redemption.get_by_id(r.id).state == "declined"
    assert Invite.get_by_id(invite.id).use_count == 0
    r2 = service.redeem_invite(invite.id, who(2))
    assert service.approve(r2, actor=admin) is True
    assert Redemption.get_by_id(r2.id).state == "claimed" and no_provisioning == [r2.id]
    assert service.approve(r2, actor=admin) is False      # already decided


