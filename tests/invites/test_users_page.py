"""The Users page beyond the happy path: filters and counts, plex.tv failing during a sync or an
action (nothing changes here either), Plex Home members, shares changed outside plexportal, and
nonsense in the forms."""
from __future__ import annotations

from datetime import timedelta

import pytest

from plexportal.admin.models import AuditEntry
from plexportal.auth.models import User
from plexportal.invites import access as access_service
from plexportal.invites import service
from plexportal.invites.models import Access
from plexportal.lib import clock
from tests.fakes.plextv import FakeShare

MID = "machine-abc123"


def row(plex_user_id, name, status="active", **kw):
    return Access.create(plex_user_id=plex_user_id, username=name, email=f"{name}@example.com", title=name,
                         status=status, **kw)


def test_it_filters_by_status_and_counts_each_kind(logged_in, plex):
    row(1, "anna")
    row(2, "ben", "suspended")
    row(3, "carl", "removed")
    row(4, "dora", "expired")
    page = logged_in.get("/users").get_data(as_text=True)              # active is the default
    assert "anna" in page and "ben" not in page
    assert "ben" in logged_in.get("/users?show=suspended").get_data(as_text=True)
    ended = logged_in.get("/users?show=ended").get_data(as_text=True)
    assert "carl" in ended and "dora" in ended and "anna" not in ended
    everyone = logged_in.get("/users?show=all").get_data(as_text=True)
    assert all(n in everyone for n in ("anna", "ben", "carl", "dora"))
    odd = logged_in.get("/users?show=<script>").get_data(as_text=True)    # unknown filter: everyone, no echo
    assert "dora" in odd and "<script>" not in odd


def test_a_failed_sync_says_why_and_changes_no_row(logged_in, plex):
    a = row(42, "friend", share_id=77, on_plex=True)
    plex.fail_next(503, path="/api/users/", times=3)
    r = logged_in.post("/users/sync", htmx=True)
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and "Could not read the users from plex.tv" in text and "will retry" in text
    assert "HX-Refresh" not in r.headers
    assert Access.get_by_id(a.id).on_plex is True                       # not marked gone on a failed read


def test_a_person_no_longer_on_plex_tv_is_marked_off_plex_not_deleted(db, plex):
    gone = row(99, "left", share_id=5, on_plex=True)
    assert access_service.sync() == {"users": 0, "activated": 0}
    after = Access.get_by_id(gone.id)
    assert after.on_plex is False and after.status == "active"


def test_someone_shared_again_outside_plexportal_is_active_again(db, plex):
    suspended = row(42, "friend", "suspended")
    plex.shares[800] = FakeShare(800, 42, MID, [1001], pending=False)
    access_service.sync()
    after = Access.get_by_id(suspended.id)
    assert (after.status, after.share_id, after.on_plex) == ("active", 800, True)


def test_a_share_of_another_server_is_not_ours(db, plex):
    plex.shares[801] = FakeShare(801, 42, "someone-elses-server", [5], pending=False)
    assert access_service.sync()["users"] == 0
    assert Access.select().count() == 0


def test_a_libraries_form_with_nonsense_is_refused_and_plex_tv_is_not_called(logged_in, plex):
    a = row(42, "friend", libraries=[1001], pending=False)
    plex.reset_calls()
    r = logged_in.post(f"/users/{a.id}", data={"libraries": ["1001", "drop table"]}, htmx=True)
    assert r.status_code == 422 and "Pick libraries from the list." in r.get_data(as_text=True)
    assert plex.calls == [] and Access.get_by_id(a.id).libraries == [1001]


def test_a_change_plex_tv_refuses_is_not_saved_here(logged_in, plex):
    a = row(42, "friend", libraries=[1001], share_id=900, pending=False)
    plex.shares[900] = FakeShare(900, 42, MID, [1001], pending=False)
    plex.fail_next(500, path="/api/v2/sharings/42", times=3)
    r = logged_in.post(f"/users/{a.id}", data={"libraries": ["1002"]}, htmx=True)
    assert "plex.tv did not take the change" in r.get_data(as_text=True)
    assert Access.get_by_id(a.id).libraries == [1001]
    assert not AuditEntry.select().where(AuditEntry.action == "invites.access.updated").exists()


@pytest.mark.parametrize("days", ["0", "-5", "3651", "", "1.5"])
def test_extending_by_a_number_out_of_range_is_refused(logged_in, plex, days):
    a = row(42, "friend", expires_at=clock.now() + timedelta(days=3))
    r = logged_in.post(f"/users/{a.id}/extend", data={"days": days}, htmx=True)
    assert "Choose how many days to add." in r.get_data(as_text=True)
    assert Access.get_by_id(a.id).expires_at == a.expires_at


def test_extending_ended_access_counts_from_now(logged_in, plex):
    a = row(42, "friend", expires_at=clock.now() - timedelta(days=10))
    clock.freeze(clock.now())
    r = logged_in.post(f"/users/{a.id}/extend", data={"days": "7"}, htmx=True)
    assert "Extended by 7 days." in r.get_data(as_text=True) and r.headers["HX-Refresh"] == "true"
    assert Access.get_by_id(a.id).expires_at == clock.now() + timedelta(days=7)


def test_an_unknown_action_is_404_and_touches_nothing(logged_in, plex):
    a = row(42, "friend")
    plex.reset_calls()
    assert logged_in.post(f"/users/{a.id}/promote", htmx=True).status_code == 404
    assert logged_in.post("/users/4242/suspend", htmx=True).status_code == 404
    assert plex.calls == [] and Access.get_by_id(a.id).status == "active"


def test_a_plex_home_member_is_removed_from_home_not_from_sharing(logged_in, plex):
    a = row(42, "kid", home=True, share_id=None)
    logged_in.post(f"/users/{a.id}/remove", htmx=True)
    assert [c.path for c in plex.calls_to("/api/home/users/42", "DELETE")] == ["/api/home/users/42"]
    assert plex.calls_to("/api/v2/sharings/42") == []
    assert Access.get_by_id(a.id).status == "removed"


def test_removing_someone_already_suspended_calls_nobody(logged_in, plex):
    a = row(42, "friend", "suspended")
    plex.reset_calls()
    logged_in.post(f"/users/{a.id}/remove", htmx=True)
    assert plex.calls == [] and Access.get_by_id(a.id).status == "removed"


def test_a_share_already_gone_on_plex_tv_still_suspends(logged_in, plex):
    a = row(42, "friend", share_id=None)                     # plex.tv answers 404: nothing to remove
    r = logged_in.post(f"/users/{a.id}/suspend", htmx=True)
    assert "Suspended" in r.get_data(as_text=True)
    assert Access.get_by_id(a.id).status == "suspended"


def test_restoring_someone_plex_tv_still_shares_with_updates_that_share(logged_in, plex):
    a = row(42, "friend", "suspended", libraries=[1003], allow_sync=True)
    plex.shares[900] = FakeShare(900, 42, MID, [1001], pending=False)
    r = logged_in.post(f"/users/{a.id}/restore", htmx=True)
    assert "Restored" in r.get_data(as_text=True)
    [put] = plex.calls_to(f"/api/servers/{MID}/shared_servers/900", "PUT")
    assert put.json["shared_server"]["library_section_ids"] == [1003]
    [perms] = plex.calls_to("/api/v2/sharings/42", "PUT")
    assert perms.query["allowSync"] == "1"
    assert Access.get_by_id(a.id).status == "active"


def test_restoring_keeps_a_future_end_and_drops_a_past_one(db, plex):
    later = clock.now() + timedelta(days=5)
    a = row(42, "friend", "suspended", expires_at=later)
    access_service.restore(a)
    assert Access.get_by_id(a.id).expires_at == later
    b = row(43, "aunt", "suspended", expires_at=clock.now() - timedelta(days=1))
    plex.add_account(43, "aunt", "aunt@example.com", "aunt-token")
    access_service.restore(b)
    assert Access.get_by_id(b.id).expires_at is None


def test_a_person_page_link_stops_working_only_when_no_share_is_active(db):
    user = User.create(username="friend", email="friend@example.com", role="user")
    assert service.has_lost_access(user) is False                       # never had one: not "lost"
    row(42, "friend", "active", user=user)
    assert service.has_lost_access(user) is False
    Access.update(status="suspended").execute()
    assert service.has_lost_access(user) is True
    row(43, "friend2", "active", user=user)                             # a second account still shared
    assert service.has_lost_access(user) is False


def test_signing_in_with_plex_links_a_person_only_while_shared(db, admin):
    assert service.person_with_access(0) is None
    assert service.person_with_access(42) is None                       # never shared
    row(42, "friend", "suspended")
    assert service.person_with_access(42) is None
    Access.update(status="active").execute()
    user = service.person_with_access(42, "friend@example.com", "friend")
    assert user.role == "user" and user.plex_user_id == 42
    assert service.person_with_access(42).id == user.id                 # linked once, the same row after
    assert Access.get(Access.plex_user_id == 42).user_id == user.id


def test_a_plex_account_with_the_admins_email_never_becomes_the_admin(db, admin):
    row(42, "sneaky")
    user = service.person_with_access(42, "ADMIN@example.com", "sneaky")
    assert user.id != admin.id and user.role == "user"
    assert User.get_by_id(admin.id).plex_user_id is None
