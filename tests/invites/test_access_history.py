"""Every change to someone's Plex access is a line of their timeline, written by whichever door made
it (an admin, an invite being accepted, the expiry task, the plex.tv sync, a merge), in the same
transaction as the change; libraries by title; times in the configured zone."""
from datetime import UTC, datetime, timedelta

import pytest

from plexportal.invites import access, service
from plexportal.invites.models import Access, AccessChange
from plexportal.lib import clock
from plexportal.people import service as people
from tests.fakes.plextv import FakeShare

MID = "machine-abc123"
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def joined(plex, days=None, libraries=(1001,), allow_sync=True):
    invite = service.create_invite({"label": "Family", "libraries": list(libraries), "access_days": days,
                                    "allow_sync": allow_sync})
    service.redeem_invite(invite.id, service.Claimant("plex:42", "friend@example.com", "plex", plex_user_id=42,
                                                      plex_username="friend", email="friend@example.com",
                                                      user_token="friend-token"))
    plex.reset_calls()
    return Access.get(Access.plex_user_id == 42)


def changes(a: Access) -> list[tuple[str, str]]:
    return [(c.kind, c.door) for c in AccessChange.select().where(AccessChange.access == a.id)
            .order_by(AccessChange.id)]


def text_of(a: Access) -> list[str]:
    return [service.describe_access_change(c) for c in AccessChange.select().where(AccessChange.access == a.id)
            .order_by(AccessChange.id)]


def test_an_accepted_invite_writes_what_it_granted_by_library_title(plex):
    clock.freeze(START)
    a = joined(plex, days=30, libraries=(1001, 1002))
    assert changes(a) == [("granted", "invite")]
    [change] = AccessChange.select()
    assert change.user_id == a.user_id and change.plex_user_id == 42
    assert change.data["libraries"] == ["Movies", "TV Shows"] and change.data["downloads"] is True
    [text] = text_of(a)
    assert "Movies, TV Shows" in text and "downloads allowed" in text and "2026-03-31" in text
    assert "1001" not in text and "invite Family" in text


def test_an_admins_save_writes_one_line_per_thing_that_changed(logged_in, plex):
    a = joined(plex)
    r = logged_in.post(f"/users/{a.id}", data={"libraries": ["1002", "1003"]}, htmx=True)   # and downloads off
    assert "Saved on plex.tv" in r.get_data(as_text=True)
    assert changes(a)[1:] == [("libraries", "admin"), ("downloads", "admin")]
    libraries, downloads = text_of(a)[1:]
    assert "from Movies to TV Shows, Music" in libraries and "admin" in libraries
    assert "Downloads no longer allowed" in downloads
    logged_in.post(f"/users/{a.id}", data={"libraries": ["1002", "1003"]}, htmx=True)       # nothing changed
    assert len(changes(a)) == 3


def test_plex_refusing_a_save_writes_nothing(logged_in, plex):
    a = joined(plex)
    plex.fail_next(500, path="/api/v2/sharings/42", times=3)
    r = logged_in.post(f"/users/{a.id}", data={"libraries": ["1002"]}, htmx=True)
    assert "plex.tv did not take the change" in r.get_data(as_text=True)
    assert changes(a) == [("granted", "invite")]


def test_suspend_restore_extend_and_remove_each_write_their_line(logged_in, plex):
    a = joined(plex)
    logged_in.post(f"/users/{a.id}/suspend", htmx=True)
    logged_in.post(f"/users/{a.id}/restore", htmx=True)
    logged_in.post(f"/users/{a.id}/extend", data={"days": "7"}, htmx=True)
    logged_in.post(f"/users/{a.id}/extend", data={"days": "never"}, htmx=True)
    logged_in.post(f"/users/{a.id}/remove", htmx=True)
    assert changes(a) == [("granted", "invite"), ("suspended", "admin"), ("restored", "admin"),
                          ("expiry", "admin"), ("expiry", "admin"), ("removed", "admin")]
    texts = text_of(a)
    assert "now has an end date" in texts[3] and "no longer ends" in texts[4]


def test_the_expiry_task_writes_the_end_once(plex, set_settings):
    set_settings(ACCESS_EXPIRY_MODE="auto")
    clock.freeze(START)
    a = joined(plex, days=3)
    clock.freeze(START + timedelta(days=4))
    assert access.expire_due()["expired"] == 1
    assert access.expire_due()["expired"] == 0
    assert changes(a) == [("granted", "invite"), ("expired", "expiry")]
    assert "ended (timed access)" in text_of(a)[1]


def test_ending_a_due_share_on_the_admins_yes_writes_the_end(plex, set_settings):
    set_settings(ACCESS_EXPIRY_MODE="report")
    clock.freeze(START)
    a = joined(plex, days=3)
    clock.freeze(START + timedelta(days=4))
    assert access.expire_due()["expired"] == 0                   # report only: nothing ends by the clock
    assert changes(a) == [("granted", "invite")]
    status, _ = access.end_due_now(a.id, Access.get_by_id(a.id).expires_at.isoformat())
    assert status == "done"
    assert changes(a) == [("granted", "invite"), ("expired", "expiry")]
    assert "on the admin's yes" in text_of(a)[1]


def test_the_plex_tv_sync_writes_what_it_notices_and_nothing_when_nothing_changed(plex):
    a = joined(plex)
    access.sync()
    assert changes(a) == [("granted", "invite")]                 # nothing new on plex.tv
    plex.add_account(43, "aunt", "aunt@example.com", "aunt-token")
    plex.shares[950] = FakeShare(950, 43, MID, [1003], pending=False, last_seen_at=1_700_000_000)
    access.sync()
    aunt = Access.get(Access.plex_user_id == 43)
    assert changes(aunt) == [("granted", "sync")]
    assert "Music" in text_of(aunt)[0] and "shared outside plexportal" in text_of(aunt)[0]
    del plex.shares[950]
    access.sync()
    access.sync()                                                # noticed once
    assert changes(aunt) == [("granted", "sync"), ("removed", "sync")]
    assert "no longer listed on plex.tv" in text_of(aunt)[1]


def test_a_sync_that_finds_a_suspended_share_back_writes_a_restore(logged_in, plex):
    a = joined(plex)
    logged_in.post(f"/users/{a.id}/suspend", htmx=True)
    plex.shares[951] = FakeShare(951, 42, MID, [1001], pending=False, last_seen_at=1_700_000_000)
    access.sync()
    assert changes(a)[2] == ("restored", "sync")                 # (and whatever else plex.tv now says)
    assert Access.get_by_id(a.id).status == "active"


def test_a_merge_writes_that_the_share_came_with_it_and_keeps_the_history(plex):
    a = joined(plex)
    keep = people.find_or_create_person("seerr", seerr_user_id=7, email="someone@example.com")
    other = a.user
    people.merge(keep, other)
    assert changes(a) == [("granted", "invite"), ("moved", "merge")]
    assert {c.user_id for c in AccessChange.select()} == {keep.id}
    assert f"#{other.id}" in text_of(a)[1]


def test_a_change_and_its_line_commit_together(plex, monkeypatch):
    a = joined(plex)
    from plexportal.invites import history

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(history, "record", broken)
    with pytest.raises(RuntimeError):
        access.remove(a)
    assert Access.get_by_id(a.id).status == "active"             # no change without its line


def test_the_timeline_shows_every_change_in_order_with_times_in_the_configured_zone(logged_in, plex, set_settings):
    set_settings(TIMEZONE="Europe/Berlin")
    clock.freeze(START)                                          # 10:00 in Berlin
    a = joined(plex)
    clock.freeze(START + timedelta(days=1))
    logged_in.post(f"/users/{a.id}", data={"libraries": ["1002"], "allow_sync": "1"}, htmx=True)
    clock.freeze(START + timedelta(days=2))
    logged_in.post(f"/users/{a.id}/suspend", htmx=True)
    clock.freeze(START + timedelta(days=3))
    logged_in.post(f"/users/{a.id}/restore", htmx=True)
    clock.freeze(START + timedelta(days=5))
    page = logged_in.get(f"/people/{a.user_id}").get_data(as_text=True)
    timeline = page[page.index('class="timeline"'):]
    order = [timeline.index(t) for t in ("restored", "suspended", "from Movies to TV Shows", "granted to friend")]
    assert order == sorted(order)                                # newest first
    assert 'title="2026-03-02 10:00:00 CET"' in timeline        # the change's time, in Berlin
    assert 'title="2026-03-01 10:00:00 CET"' in timeline


def test_upgrading_fills_the_history_from_the_audit_log_where_it_names_one_share(db, plex):
    import importlib.util
    from pathlib import Path

    from plexportal.admin.models import AuditEntry
    from plexportal.invites.models import PlexLibrary, Redemption

    spec = importlib.util.spec_from_file_location(
        "m0190", Path(__file__).parents[2] / "migrations" / "0190_invites_access_changes.py")
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    PlexLibrary.create(section_id=1001, key="1", title="Movies")
    invite = service.create_invite({"libraries": [1001], "allow_sync": True})
    used = Redemption.create(invite=invite, account_key="plex:42", identifier="friend", state="active",
                             terms={"libraries": [1001], "allow_sync": True, "access_days": 10})
    friend = Access.create(plex_user_id=42, title="friend", joined_at=START, redemption=used, status="suspended",
                           changed_at=START + timedelta(days=2))
    twin_a = Access.create(plex_user_id=43, title="twin", status="removed", changed_at=START)
    Access.create(plex_user_id=44, title="twin")
    outsider = Access.create(plex_user_id=45, title="outsider", status="expired", changed_at=START + timedelta(days=9))
    AuditEntry.create(action="invites.access.updated", message="Changed libraries/permissions of friend",
                      at=START + timedelta(days=1), actor_label="admin")
    AuditEntry.create(action="invites.access.suspended", message="Suspended friend", at=START + timedelta(days=2))
    AuditEntry.create(action="invites.access.removed", message="Removed twin", at=START)     # which twin? unknown
    AccessChange.delete().execute()

    m.backfill(db.obj)

    assert changes(friend) == [("granted", "upgrade"), ("changed", "upgrade"), ("suspended", "upgrade")]
    granted, changed, _suspended = text_of(friend)
    assert "Movies" in granted and "downloads allowed" in granted and "2026-03-11" in granted
    assert changed.startswith("Changed libraries/permissions of friend") and "admin" in changed
    assert AccessChange.get(AccessChange.kind == "suspended").at == START + timedelta(days=2)
    # Two shares called "twin": the log cannot say whose removal it was, so only the state is told.
    assert changes(twin_a) == [("granted", "upgrade"), ("removed", "upgrade")]
    assert "not recorded" in text_of(twin_a)[1]
    assert changes(outsider) == [("granted", "upgrade"), ("expired", "upgrade")]
    assert "libraries" not in AccessChange.get(AccessChange.access == outsider.id).data   # not known, not guessed
