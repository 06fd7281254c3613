"""Every admin action of invites, users, maintenance and health, tried by someone who may not do
it: a visitor, a person signed in with their Plex account (role user), and the admin's own browser
driven by another site (no CSRF token). Each is refused and nothing changes."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from plexportal.admin.models import AuditEntry
from plexportal.auth import service as auth_service
from plexportal.auth.models import User
from plexportal.health.models import HealthAction, IssueFix, MaintenanceWindow, MonitorRun
from plexportal.invites import service as invites
from plexportal.invites.models import Access, Invite, Preset, Redemption
from plexportal.lib import clock
from plexportal.media.models import CalendarFeed
from tests.conftest import Browserless

AREAS = ("invites.", "maintenance.", "monitors.", "admin.")


@pytest.fixture
def things(db, admin):
    """One of everything an action could touch, so every route with an id finds its row."""
    invite = invites.create_invite({"label": "Family", "max_uses": 3}, actor=admin)
    preset = Preset.create(name="Friends", libraries=[])
    person = User.create(username="friend", email="friend@example.com", role="user")
    redemption = Redemption.create(invite=invite, account_key="name:x", identifier="x@example.com", via="form",
                                   terms={}, state="awaiting_approval")
    access = Access.create(plex_user_id=42, username="friend", email="friend@example.com", title="friend",
                           status="active", user=person)
    window = MaintenanceWindow.create(starts_at=clock.now() - timedelta(minutes=5),
                                      ends_at=clock.now() + timedelta(hours=1))
    fix = IssueFix.create(seerr_issue_id=7, state="review", title="Dune")
    CalendarFeed.create(user=person, token="feed-token")
    suggestion = HealthAction.create(key="sonarr:fix:1", monitor="failed_imports", kind="fix", status="suggested",
                                     subject="Remove and blocklist a failed import")
    ids = {"action_id": suggestion.id, "invite_id": invite.id, "preset_id": preset.id, "redemption_id": redemption.id, "access_id": access.id,
           "window_id": window.id, "fix_id": fix.id, "user_id": person.id, "batch_id": 1,
           "action": "approve", "name": "stuck"}
    return ids, person


def admin_posts(app, ids):
    """Every POST route of these areas that only an admin may use, with real ids filled in."""
    out = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or not rule.endpoint.startswith(AREAS):
            continue
        if getattr(app.view_functions[rule.endpoint], "is_public", False):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule.rule)
        out.append(path)
    return sorted(out)


def state():
    """What an action could change: every row of these areas, and the audit log."""
    tables = (Invite, Preset, Redemption, Access, MaintenanceWindow, IssueFix, CalendarFeed, MonitorRun, HealthAction)
    return {t.__name__: sorted(map(str, t.select().dicts())) for t in tables} | {"audit": AuditEntry.select().count()}


def test_there_are_admin_actions_to_check(app, things):
    paths = admin_posts(app, things[0])
    assert "/invites/new" in paths and "/maintenance/" in paths and "/users/sync" in paths
    assert len(paths) >= 20


def test_a_visitor_is_sent_to_sign_in_and_nothing_changes(app, web, things):
    before = state()
    for path in admin_posts(app, things[0]):
        r = web.post(path, data={"label": "x", "name": "x", "starts_at": "2030-01-01T10:00"})
        assert r.status_code == 302 and "/auth/login" in r.headers["Location"], path
        r = web.post(path, data={"label": "x"}, htmx=True)
        assert r.status_code == 200 and r.headers["HX-Redirect"].startswith("/auth/login"), path
    assert state() == before


def test_a_person_signed_in_with_plex_is_refused_and_nothing_changes(app, client, things):
    _, person = things
    sid = auth_service.start_session(person, "127.0.0.1", "pytest", method="plex")
    with client.session_transaction() as sess:
        sess["_user_id"] = sid
        sess["_fresh"] = True
    web = Browserless(client)
    assert web.get("/notify/me").status_code == 200      # their own page works and gives a CSRF token
    before = state()
    for path in admin_posts(app, things[0]):
        r = web.post(path, data={"label": "x", "name": "x"}, htmx=True)
        assert r.status_code == 403, (path, r.status_code)
        assert "This page is for the server" in r.get_data(as_text=True), path
    assert state() == before


def test_another_site_cannot_drive_the_admins_browser(app, logged_in, things):
    before = state()
    for path in admin_posts(app, things[0]):
        # A form on another site posts with the admin's cookie but cannot read the CSRF token.
        r = logged_in.client.post(path, data={"label": "x", "name": "x"},
                                  headers={"Origin": "https://evil.example", "Referer": "https://evil.example/"})
        assert r.status_code == 400, (path, r.status_code)
    assert state() == before


def test_a_person_cannot_reach_anothers_calendar_address_by_id(app, client, things):
    _, person = things
    other = User.create(username="cousin", email="cousin@example.com", role="user")
    CalendarFeed.create(user=other, token="cousin-token")
    sid = auth_service.start_session(person, "127.0.0.1", "pytest", method="plex")
    with client.session_transaction() as sess:
        sess["_user_id"] = sid
    web = Browserless(client)
    web.get("/notify/me")
    r = web.post(f"/monitors/ical/users/{other.id}/new", htmx=True)
    assert r.status_code == 403
    assert CalendarFeed.get(CalendarFeed.user == other.id).token == "cousin-token"
