"""People afterwards: the Users page synced from plex.tv, suspend/restore, remove, changing
libraries, extending, and timed access ending on schedule with reminders first."""
from datetime import timedelta

from plexportal.admin.models import AuditEntry
from plexportal.invites import access, provisioning, service
from plexportal.invites.models import Access
from plexportal.lib import clock
from plexportal.notify.models import Notification
from tests.fakes.plextv import FakeShare

MID = "machine-abc123"


def joined(plex, days=None, libraries=(1001,)):
    invite = service.create_invite({"libraries": list(libraries), "access_days": days, "allow_sync": True})
    service.redeem_invite(invite.id, service.Claimant("plex:42", "friend@example.com", "plex", plex_user_id=42,
                                                      plex_username="friend", email="friend@example.com",
                                                      user_token="friend-token"))
    plex.reset_calls()
    return Access.get(Access.plex_user_id == 42)


def test_it_lists_everyone_plex_tv_shares_with_and_what_we_know(logged_in, plex):
    a = joined(plex)
    plex.add_account(43, "aunt", "aunt@example.com", "aunt-token")
    plex.shares[950] = FakeShare(950, 43, MID, [1001, 1002], pending=True, last_seen_at=1_700_000_000)
    r = logged_in.post("/users/sync", htmx=True)
    assert "Synced 2 people" in r.get_data(as_text=True)
    aunt = Access.get(Access.plex_user_id == 43)
    assert aunt.pending is True and aunt.share_id == 950 and aunt.last_seen_at.year == 2023
    assert aunt.libraries == [1001, 1002]                 # learned from plex.tv for someone shared elsewhere
    page = logged_in.get("/users").get_data(as_text=True)
    assert "aunt" in page and "friend" in page and "pending" in page and "accepted" in page
    assert f"/invites/{a.redemption.invite.id}" in page                       # which invite they came through
    assert f"/notify/users/{a.user.id}" in page                               # the notify user page


def test_it_suspends_and_restores_with_the_same_libraries(logged_in, plex):
    a = joined(plex, libraries=(1001, 1003))
    r = logged_in.post(f"/users/{a.id}/suspend", htmx=True)
    assert r.status_code == 200 and "Suspended" in r.get_data(as_text=True)
    read, delete = plex.calls               # what plex.tv really shares is kept for the restore
    assert (read.method, read.path) == ("GET", f"/api/servers/{MID}/shared_servers/{a.share_id}")
    assert (delete.method, delete.path) == ("DELETE", "/api/v2/sharings/42")
    assert plex.share_of(42) is None
    a = Access.get_by_id(a.id)
    assert a.status == "suspended" and a.libraries == [1001, 1003] and a.allow_sync is True
    plex.reset_calls()
    logged_in.post(f"/users/{a.id}/restore", htmx=True)
    [post] = plex.calls
    assert post.path == f"/api/servers/{MID}/shared_servers"
    assert post.json["shared_server"] == {"library_section_ids": [1001, 1003], "invited_email": "friend@example.com"}
    assert post.json["sharing_settings"]["allowSync"] == "1"
    assert Access.get_by_id(a.id).status == "active"
    actions = [e.action for e in AuditEntry.select().order_by(AuditEntry.id)]
    assert "invites.access.suspended" in actions and "invites.access.restored" in actions


def test_it_changes_libraries_and_permissions_on_plex_tv(logged_in, plex):
    a = joined(plex)
    share_id = plex.share_of(42).id
    r = logged_in.post(f"/users/{a.id}", data={"libraries": ["1002"], "allow_channels": "1"}, htmx=True)
    assert "Saved on plex.tv" in r.get_data(as_text=True)
    put_share, put_perms = plex.calls
    assert put_share.path == f"/api/servers/{MID}/shared_servers/{share_id}"
    assert put_share.json["shared_server"]["library_section_ids"] == [1002]
    assert put_perms.path == "/api/v2/sharings/42" and put_perms.query["allowChannels"] == "1"
    assert put_perms.query["allowSync"] == "0"
    assert Access.get_by_id(a.id).libraries == [1002]


def test_it_shows_plex_errors_to_the_admin_and_changes_nothing(logged_in, plex):
    a = joined(plex)
    plex.fail_next(500, path="/api/v2/sharings/42", times=3)
    r = logged_in.post(f"/users/{a.id}/remove", htmx=True)
    assert "plex.tv did not take the change" in r.get_data(as_text=True)
    assert Access.get_by_id(a.id).status == "active"


def test_it_removes_someone(logged_in, plex):
    a = joined(plex)
    logged_in.post(f"/users/{a.id}/remove", htmx=True)
    assert Access.get_by_id(a.id).status == "removed" and plex.share_of(42) is None


def test_it_reminds_then_ends_timed_access_and_extends_it(db, plex, set_settings):
    set_settings(INVITES_REMINDER_DAYS="7")
    a = joined(plex, days=30)
    assert access.expire_due() == {"reminded": 0, "expired": 0}
    clock.freeze(a.expires_at - timedelta(days=6))
    assert access.expire_due() == {"reminded": 1, "expired": 0}
    assert access.expire_due() == {"reminded": 0, "expired": 0}              # once
    person = Notification.get((Notification.kind == "invites.expiring") & (Notification.audience == "user"))
    assert person.destination == "friend@example.com" and "ends soon" in person.subject
    assert Notification.select().where((Notification.kind == "invites.expiring")
                                       & (Notification.audience == "admin")).count() == 1
    access.extend(Access.get_by_id(a.id), 30)
    extended = Access.get_by_id(a.id)
    assert extended.expires_at == a.expires_at + timedelta(days=30) and extended.reminded_at is None
    clock.freeze(extended.expires_at + timedelta(minutes=1))               # the worker was down for a while
    assert access.expire_due() == {"reminded": 0, "expired": 1}
    assert Access.get_by_id(a.id).status == "expired"
    assert plex.calls_to("/api/v2/sharings/42", "DELETE")
    assert Notification.select().where(Notification.kind == "invites.expired").count() == 1


def test_it_keeps_timed_access_when_plex_tv_is_down_and_ends_it_later(db, plex):
    a = joined(plex, days=1)
    clock.freeze(a.expires_at + timedelta(minutes=1))
    plex.fail_next(503, path="/api/v2/sharings/42", times=3)
    assert access.expire_due()["expired"] == 0
    assert Access.get_by_id(a.id).status == "active"
    assert access.expire_due()["expired"] == 1


def test_it_checks_the_owner_token_for_the_dashboard(db, plex):
    assert provisioning.check_token() == (True, "Signed in to plex.tv as admin.")


def test_it_extends_from_the_page_and_refuses_nonsense(logged_in, plex):
    a = joined(plex, days=10)
    r = logged_in.post(f"/users/{a.id}/extend", data={"days": "lots"}, htmx=True)
    assert "Choose how many days" in r.get_data(as_text=True)
    assert Access.get_by_id(a.id).expires_at == a.expires_at
    logged_in.post(f"/users/{a.id}/extend", data={"days": "never"}, htmx=True)
    assert Access.get_by_id(a.id).expires_at is None
    assert logged_in.get("/users/999").status_code == 404
    page = logged_in.get(f"/users/{a.id}").get_data(as_text=True)
    assert "Libraries and permissions" in page and "Kind of access" not in page


def test_it_checks_plex_tv_from_the_invites_page(logged_in, plex):
    plex.fail_next(401, path="/api/v2/user")
    r = logged_in.post("/invites/plex/check", htmx=True)
    assert "no longer valid" in r.get_data(as_text=True)
    assert "plex.tv no longer accepts the Plex token" in logged_in.get("/invites").get_data(as_text=True)
    assert "Signed in to plex.tv as admin" in logged_in.post("/invites/plex/check", htmx=True).get_data(as_text=True)
