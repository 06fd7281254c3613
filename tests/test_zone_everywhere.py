"""Times in the configured zone everywhere: with TIMEZONE=Pacific/Auckland and every row stamped at
a known UTC moment (21:17 UTC, which is 10:17 the next day in Auckland), no admin or public page
and no email shows that moment in UTC (or naive): "21:17" and the UTC day must not appear where
people read (page text, hover titles, email subjects and bodies).

The pages are the same walk the phone test makes (tests/e2e/test_phone_overflow.py: built from the
URL map, so a new page is checked as soon as it exists)."""
from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest

from plexportal.lib import clock

T = datetime(2026, 3, 2, 21, 17, tzinfo=UTC)             # Tue 03 Mar 10:17 NZDT
UTC_CLOCK = re.compile(r"\b21:17\b|\b9:17 ?PM\b")


def readable(page: str) -> str:
    """What a person reads: the text without tags, plus the hover titles."""
    titles = " ".join(re.findall(r'title="([^"]*)"', page))
    body = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", body) + " " + titles)


@pytest.fixture
def auckland(set_settings):
    set_settings(TIMEZONE="Pacific/Auckland")
    clock.freeze(T)                       # the test conftest puts the clock back afterwards


def seed_times(ids: dict) -> None:
    """Rows with a time in the areas the shared seed leaves without one."""
    from plexportal.admin import audit
    from plexportal.health import maintenance
    from plexportal.health.models import HealthAction, MonitorRun
    from plexportal.invites.models import Access, Invite

    Access.update(expires_at=T + timedelta(days=2), last_seen_at=T, joined_at=T).where(
        Access.id == ids["access_id"]).execute()
    Invite.update(expires_at=T + timedelta(days=7)).execute()
    maintenance.create_window(T + timedelta(days=1), T + timedelta(days=1, hours=2), "Disks")
    MonitorRun.create(monitor="import-fix", trigger="manual", started_at=T, finished_at=T, status="ok",
                      summary="found 0")
    HealthAction.create(key="zone-test", monitor="import-fix", kind="suggestion", subject="A show", status="suggested",
                        created_at=T, updated_at=T, details={"would": "do a thing"})
    audit.record("zone.test", "A thing happened")


def test_no_page_shows_a_time_in_utc(app, admin, logged_in, set_settings, auckland):
    from plexportal.auth.models import User
    from plexportal.notify import links
    from tests.e2e.test_phone_overflow import pages, pending_decision_token, seed

    ids = seed(set_settings)
    set_settings(TIMEZONE="Pacific/Auckland")
    seed_times(ids)
    ids["unsubscribe"] = links.make_token(User.get_by_id(ids["user_id"]), links.UNSUBSCRIBE_SALT)
    ids["decide"] = pending_decision_token(ids["user_id"])
    urls = pages(app, ids)
    assert len(urls) >= 40
    in_utc, local = {}, set()
    for url in urls:
        text = readable(logged_in.get(url).get_data(as_text=True))
        if UTC_CLOCK.search(text):
            in_utc[url] = UTC_CLOCK.findall(text)
        if "10:17" in text:
            local.add(url)
    assert not in_utc, f"pages showing a time in UTC instead of Pacific/Auckland: {in_utc}"
    # The walk does see the times: the pages that print a clock time print the Auckland one.
    assert {"/maintenance/", "/audit", "/monitors/"} <= local, sorted(local)


def test_a_used_decision_link_says_when_in_the_zone(client, db, admin, auckland):
    from plexportal.media import decisions
    from plexportal.media.models import DecisionLink, MediaRequest

    waiting = MediaRequest.create(media_type="movie", tmdb_id=2, seerr_request_id=77, status="pending",
                                  title="A Film", requested_by=admin.id)
    link, _ = decisions.make_links(waiting)["approve"]
    DecisionLink.update(used_at=T).where(DecisionLink.id == link.id).execute()
    page = readable(client.get(f"/media/decide/{decisions.token_for(link)}").get_data(as_text=True))
    assert "already used 2026-03-03 10:17 NZDT" in page and not UTC_CLOCK.search(page)


def test_no_email_shows_a_time_in_utc(db, admin, set_settings, auckland, make_user):
    """Every email kind that carries a time, produced as the app produces it."""
    from plexportal.health import maintenance
    from plexportal.invites import alerts, messages
    from plexportal.invites.models import Access
    from plexportal.notify.models import Notification

    person = make_user("friend", email="friend@example.com")
    access = Access.create(plex_user_id=42, username="friend", email="friend@example.com", title="friend",
                           user=person, pending=False, expires_at=T + timedelta(days=2))
    messages.send_expiry_reminder(access)
    alerts.access_expiring(access)
    alerts.access_expired(access)
    maintenance.create_window(T + timedelta(days=1), T + timedelta(days=1, hours=2), "Disks")
    clock.freeze(T + timedelta(days=1, minutes=5))
    maintenance.advance()
    clock.freeze(T + timedelta(days=1, hours=3))
    maintenance.advance()
    sent = list(Notification.select())
    assert {n.kind for n in sent} >= {"invites.expiring", "maintenance.announce", "maintenance.complete"}
    words = {f"{n.kind} to {n.destination}": f"{n.subject}\n{n.text_body}\n{readable(n.html_body)}" for n in sent}
    bad = {who: UTC_CLOCK.findall(text) for who, text in words.items() if UTC_CLOCK.search(text)}
    assert not bad, f"emails showing a time in UTC: {bad}"
    reminder = next(n for n in sent if n.kind == "invites.expiring" and n.audience == "user")
    assert "2026-03-05 10:17 NZDT" in reminder.text_body        # the local day, not the UTC one (03-04)


def test_backup_times_are_in_the_backups_zone_and_name_it(logged_in, set_settings, auckland):
    """A run's day is its day in BACKUP_TIMEZONE (docs/backups.md), so its start is shown in that
    zone, named; the next expected run names the zone it is shown in."""
    from datetime import date

    from plexportal.backups.models import BackupRun

    set_settings(BACKUP_TIMEZONE="Europe/Berlin", BACKUP_SCHEDULE="0 3 * * *")
    BackupRun.create(key="r1", source="log", day=date(2026, 3, 2), status="success", exit_code=0, started_at=T,
                     finished_at=T + timedelta(minutes=5))
    page = readable(logged_in.get("/backups/").get_data(as_text=True))
    assert "22:17 CET" in page and not UTC_CLOCK.search(page)
    assert re.search(r"Next expected .*? \d\d:\d\d NZDT", page, flags=re.DOTALL)
