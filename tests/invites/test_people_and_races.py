"""People and races: two admins deciding at once, two tabs sending the same request, the same
custom code typed twice at once; and who a Plex account becomes in plexportal (names taken,
odd characters, an id already linked elsewhere)."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from plexportal.auth.models import User
from plexportal.db import db_session
from plexportal.invites import access, service
from plexportal.invites.models import Access, Invite, Redemption
from plexportal.lib import clock
from plexportal.notify.models import Notification


def together(app, *fns):
    """Run the functions at the same moment, each in its own thread and database connection."""
    barrier = threading.Barrier(len(fns))
    results, errors = [None] * len(fns), []

    def run(i, fn):
        try:
            with app.app_context(), db_session():
                barrier.wait()
                results[i] = fn()
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results, errors


@pytest.fixture
def quiet(monkeypatch):
    monkeypatch.setattr(service, "enqueue_provisioning", lambda rid: None)


def test_two_admins_deciding_at_once_make_one_decision_and_one_email(app, db, plex, admin, quiet):
    invite = service.create_invite({"requires_approval": True, "max_uses": 1})
    r = service.redeem_invite(invite.id, service.Claimant("name:x", "x@example.com", "form", email="x@example.com"))
    db.close()
    results, errors = together(app, lambda: service.approve(Redemption.get_by_id(r.id), admin),
                               lambda: service.decline(Redemption.get_by_id(r.id), admin))
    db.connect(reuse_if_open=True)
    assert errors == [] and sorted(results) == [False, True]
    state = Redemption.get_by_id(r.id).state
    assert state in ("claimed", "declined")
    assert Notification.select().where(Notification.kind == "invites.decision").count() == 1
    assert Invite.get_by_id(invite.id).use_count == (0 if state == "declined" else 1)


def test_the_same_request_sent_from_two_tabs_at_once_is_one_request(app, db, plex, quiet):
    who = service.Claimant("name:friend@example.com", "friend@example.com", "request", email="friend@example.com")
    db.close()

    def ask():
        try:
            return service.request_access(who, approval=True).id
        except service.AlreadyRedeemed as err:
            return err.redemption.id

    results, errors = together(app, ask, ask, ask, ask)
    db.connect(reuse_if_open=True)
    assert errors == []
    assert Redemption.select().where(Redemption.account_key == who.account_key).count() == 1
    assert len(set(results)) == 1
    assert Notification.select().where(Notification.kind == "invites.redeemed").count() == 1


def test_the_same_custom_code_typed_twice_at_once_is_taken_once(app, db, plex):
    db.close()

    def make():
        try:
            return service.create_invite({"label": "x"}, code="HARBORDOOR26").id
        except ValueError as err:
            return str(err)

    results, errors = together(app, make, make)
    db.connect(reuse_if_open=True)
    assert errors == []
    assert Invite.select().count() == 1
    assert "That code is already in use; choose another." in results


def test_a_new_person_gets_a_free_username_made_of_safe_characters(db):
    User.create(username="friend", email="other@example.com")
    User.create(username="friend-2", email="other2@example.com")
    user = access.link_user(42, "", "friend")
    assert user.username == "friend-3" and user.plex_user_id == 42 and user.role == "user"
    odd = access.link_user(43, "", "Zoë <script> ✓")
    assert odd.username == "Zoëscript"                 # letters kept, markup and symbols dropped
    blank = access.link_user(44, "", "!!!")
    assert blank.username == "person"
    by_mail = access.link_user(None, "mary.smith@example.com", "")
    assert by_mail.username == "mary.smith" and by_mail.email == "mary.smith@example.com"


def test_an_existing_row_is_filled_in_not_overwritten(db):
    existing = User.create(username="fran", email="fran@example.com", plex_username="fran-plex")
    linked = access.link_user(42, "FRAN@example.com", "somebody-else")
    assert linked.id == existing.id
    assert (linked.plex_user_id, linked.plex_username, linked.email) == (42, "fran-plex", "fran@example.com")


def test_a_plex_id_already_linked_to_someone_is_never_moved(db):
    holder = User.create(username="holder", plex_user_id=42)
    other = User.create(username="other", email="other@example.com")
    linked = access.link_user(42, "other@example.com", "other")
    assert linked.id == holder.id                              # found by the id first
    assert User.get_by_id(other.id).plex_user_id is None


def test_a_suspended_persons_libraries_are_changed_here_only(logged_in, plex):
    a = Access.create(plex_user_id=42, username="friend", title="friend", status="suspended", libraries=[1001])
    plex.reset_calls()
    r = logged_in.post(f"/users/{a.id}", data={"libraries": ["1002"]}, htmx=True)
    assert "Saved on plex.tv." in r.get_data(as_text=True)
    assert Access.get_by_id(a.id).libraries == [1002]
    assert [c for c in plex.calls if c.method != "GET"] == []     # restored later with these


def test_a_restore_plex_tv_refuses_leaves_them_suspended(logged_in, plex):
    a = Access.create(plex_user_id=42, username="friend", email="friend@example.com", title="friend",
                      status="suspended", libraries=[1001])
    plex.fail_next(500, path="/api/servers/machine-abc123/shared_servers", times=3)
    r = logged_in.post(f"/users/{a.id}/restore", htmx=True)
    assert "plex.tv did not take the change" in r.get_data(as_text=True)
    assert Access.get_by_id(a.id).status == "suspended"


def test_timed_access_of_a_home_member_ends_by_leaving_home(db, plex):
    a = Access.create(plex_user_id=42, username="kid", title="kid", status="active", home=True, share_id=None,
                      expires_at=clock.now() - timedelta(minutes=1))
    assert access.expire_due()["expired"] == 1
    assert plex.calls_to("/api/home/users/42", "DELETE") and not plex.calls_to("/api/v2/sharings/42")
    assert Access.get_by_id(a.id).status == "expired"


def test_no_reminders_when_they_are_switched_off(db, plex, set_settings):
    set_settings(INVITES_REMINDER_DAYS="0")
    Access.create(plex_user_id=42, username="f", title="f", email="f@example.com", status="active",
                  expires_at=clock.now() + timedelta(days=1))
    assert access.expire_due() == {"reminded": 0, "expired": 0}
    assert Notification.select().count() == 0


def test_a_home_member_without_a_share_is_still_one_of_ours(db, plex, monkeypatch):
    from plexportal.gateways import plextv

    home = plextv.PlexUser(id=77, username="kid", email="", title="Kid", thumb="", home=True, restricted=True,
                           allow_sync=False, allow_channels=False, allow_camera_upload=False, servers=[])
    monkeypatch.setattr(plextv.PlexTV, "users", lambda self: [home])
    assert access.sync()["users"] == 1
    row = Access.get(Access.plex_user_id == 77)
    assert row.home is True and row.share_id is None and row.status == "active"
