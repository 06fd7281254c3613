"""The reported-issues review list: approving when the repair cannot be done, dismissing, a fix that
someone else already handled, unknown ids, and titles rendered safely."""
from __future__ import annotations

from plexportal.admin.models import AuditEntry
from plexportal.health.models import IssueFix
from plexportal.notify.models import Notification


def review(**kw):
    values = dict(seerr_issue_id=5, state="review", media_type="tv", title="The Example Show", season=1, episode=2,
                  message="No audio after minute 10", reporter_name="alice", issue_type="AUDIO")
    values.update(kw)
    return IssueFix.create(**values)


def test_the_list_shows_what_waits_and_what_was_done(admin_web):
    review()
    review(seerr_issue_id=6, state="resolved", title="Example Movie", media_type="movie", season=None, episode=None)
    page = admin_web.get("/monitors/issues").get_data(as_text=True)
    waiting, history = page.split("History")
    assert "The Example Show S01E02" in waiting and "Approve fix" in waiting and "by alice" in waiting
    assert "Example Movie" in history and "Example Movie" not in waiting
    frag = admin_web.get("/monitors/issues", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in frag and 'id="issues"' in frag


def test_an_empty_list_says_there_is_nothing_to_review(admin_web):
    assert "Nothing to review" in admin_web.get("/monitors/issues").get_data(as_text=True)


def test_approving_what_cannot_be_repaired_says_why_and_keeps_it_for_review(admin_web, db, set_settings):
    set_settings(ADMIN_EMAIL="owner@example.com")
    fix = review()                             # Seerr sent no TVDB id: nothing to find the episode by
    r = admin_web.post(f"/monitors/issues/{fix.id}/approve", htmx=True)
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "Could not fix it: the issue carries no TVDB id" in body
    after = IssueFix.get_by_id(fix.id)
    assert after.state == "review" and after.error
    assert after.error in body
    assert AuditEntry.get(AuditEntry.action == "monitors.issue.approve").message == \
        "Approved the fix for Seerr issue 5"
    assert Notification.select().where(Notification.kind == "health.issue").count() == 1


def test_dismissing_changes_nothing_upstream_and_moves_it_to_history(admin_web, db, fake_sonarr, set_settings):
    set_settings(SONARR_URL=fake_sonarr.url, SONARR_API_KEY=fake_sonarr.api_key)
    fix = review()
    fake_sonarr.reset_calls()
    r = admin_web.post(f"/monitors/issues/{fix.id}/dismiss", htmx=True)
    assert "Dismissed; nothing was changed." in r.get_data(as_text=True)
    assert IssueFix.get_by_id(fix.id).state == "dismissed" and fake_sonarr.calls == []
    assert "Dismissed Seerr issue 5" in AuditEntry.get(AuditEntry.action == "monitors.issue.dismiss").message


def test_dismissing_a_resolved_issue_leaves_it_resolved(admin_web, db):
    fix = review(state="resolved")
    admin_web.post(f"/monitors/issues/{fix.id}/dismiss", htmx=True)
    assert IssueFix.get_by_id(fix.id).state == "resolved"


def test_approving_an_issue_already_being_fixed_does_not_start_again(admin_web, db, fake_sonarr, set_settings):
    set_settings(SONARR_URL=fake_sonarr.url, SONARR_API_KEY=fake_sonarr.api_key)
    fix = review(state="fixing")
    fake_sonarr.reset_calls()
    r = admin_web.post(f"/monitors/issues/{fix.id}/approve", htmx=True)
    assert IssueFix.get_by_id(fix.id).state == "fixing"
    assert fake_sonarr.calls == []                              # no second delete, blocklist or search
    assert r.status_code == 200


def test_unknown_issues_are_404(admin_web):
    assert admin_web.post("/monitors/issues/4242/approve", htmx=True).status_code == 404
    assert admin_web.post("/monitors/issues/4242/dismiss", htmx=True).status_code == 404
    assert not AuditEntry.select().where(AuditEntry.action.startswith("monitors.issue")).exists()


def test_what_a_reporter_typed_is_shown_as_text(admin_web):
    review(message='<img src=x onerror="alert(1)">', reporter_name="<b>mallory</b>")
    page = admin_web.get("/monitors/issues").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x" in page and "<b>mallory</b>" not in page


def test_the_admin_makes_a_new_calendar_address_for_someone_only_if_they_exist(admin_web, db):
    from plexportal.auth.models import User
    from plexportal.media import calendar

    alice = User.create(username="alice", email="alice@example.com")
    old = calendar.feed_for(alice).token
    r = admin_web.post(f"/monitors/ical/users/{alice.id}/new", htmx=True)
    assert "New calendar address made" in r.get_data(as_text=True) and "Give them the new one." in r.get_data(as_text=True)
    assert calendar.feed_for(alice).token != old
    assert admin_web.post("/monitors/ical/users/999999/new", htmx=True).status_code == 404
