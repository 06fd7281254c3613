"""The weekly summary's figures: what counts as this week, what needs a look, and the backups line
(counts, none, or the backups area failing without stopping the summary)."""
from datetime import UTC, date, datetime, timedelta

import pytest

from plexportal.backups.models import BackupRun
from plexportal.health import service
from plexportal.health.models import DownloadWatch, HealthAction, IssueFix
from plexportal.lib import clock
from plexportal.notify.models import Notification

# Monday 2 March 2026 07:00 UTC: the slot for WEEKLY_SUMMARY_DAY=mon, HOUR=7 in UTC.
SLOT = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
IN_WEEK = SLOT - timedelta(days=2)
LAST_WEEK = SLOT - timedelta(days=9)


@pytest.fixture
def monday(stack, set_settings):
    set_settings(TIMEZONE="UTC", WEEKLY_SUMMARY_DAY="mon", WEEKLY_SUMMARY_HOUR="7")
    clock.freeze(SLOT + timedelta(minutes=1))
    return stack


def summary() -> Notification:
    run = service.run_monitor("weekly-summary")
    assert run.acted == 1, run.lines
    [row] = Notification.select().where(Notification.kind == "health.weekly_summary")
    return row


def backup(key, day, status, dry_run=False):
    BackupRun.create(key=key, source="log", day=day, status=status, dry_run=dry_run)


def test_a_quiet_week_sends_nothing_and_the_run_says_why(db, monday):
    run = service.run_monitor("weekly-summary")
    assert run.acted == 0 and run.status == "ok"
    assert any("nothing happened in the week ending 2026-03-02 07:00 UTC" in line for line in run.lines)
    assert not Notification.select().where(Notification.kind == "health.weekly_summary").exists()


def test_a_week_with_only_a_backup_lists_the_quiet_figures_too(db, monday):
    backup("w0", date(2026, 2, 24), "success")
    row = summary()
    assert row.audience == "admin" and row.destination == "owner@example.com"
    lines = row.text_body.splitlines()
    assert lines[0] == "Week Mon 23 Feb – Mon 02 Mar on My Plex Server"
    assert "Requests: 0 new, 0 became available. Now: none." in lines
    assert "Messages: 0 sent, 0 failed." in lines
    assert "Open issues: 0. Downloads stuck right now: 0." in lines
    assert "Backups: 1 ok, 0 partial, 0 failed, 0 missed (100% ok)." in lines


def test_failed_messages_open_issues_and_stuck_downloads_need_a_look(db, monday):
    Notification.create(kind="message", channel="email", destination="a@example.com", subject="x",
                        status="failed", created_at=IN_WEEK)
    Notification.create(kind="message", channel="email", destination="b@example.com", subject="y",
                        status="failed", created_at=LAST_WEEK)          # last week's failure is not this week's
    for n, state in enumerate(("review", "retry", "fixing", "resolved", "dismissed", "closed")):
        IssueFix.create(seerr_issue_id=100 + n, title=f"Issue {n}", state=state)
    DownloadWatch.create(service="sonarr", download_id="D1", title="Stuck.S01", alerted_at=IN_WEEK)
    DownloadWatch.create(service="radarr", download_id="D2", title="Moving.Along")
    row = summary()
    assert row.subject == "Weekly summary: 0 messages sent, 5 thing(s) need a look"
    assert "Messages: 0 sent, 1 failed (see Notifications)." in row.text_body
    assert "Open issues: 3. Downloads stuck right now: 1." in row.text_body


def test_fixes_count_only_what_was_done_this_week(db, monday):
    HealthAction.create(key="import-fix:1", monitor="import-fix", kind="fix", status="done", updated_at=IN_WEEK)
    HealthAction.create(key="import-fix:2", monitor="import-fix", kind="refresh", status="done", updated_at=IN_WEEK)
    HealthAction.create(key="import-fix:3", monitor="import-fix", kind="fix", status="failed", updated_at=IN_WEEK)
    HealthAction.create(key="import-fix:4", monitor="import-fix", kind="fix", status="done", updated_at=LAST_WEEK)
    HealthAction.create(key="stuck:1", monitor="stuck", kind="alert", status="done", updated_at=IN_WEEK)
    IssueFix.create(seerr_issue_id=1, title="A", state="resolved", fixed_at=IN_WEEK, resolved_at=IN_WEEK)
    IssueFix.create(seerr_issue_id=2, title="B", state="fixing", fixed_at=IN_WEEK)
    IssueFix.create(seerr_issue_id=3, title="C", state="resolved", fixed_at=LAST_WEEK, resolved_at=LAST_WEEK)
    IssueFix.create(seerr_issue_id=4, title="D", state="resolved", fixed_at=LAST_WEEK, resolved_at=SLOT)
    row = summary()
    assert "Fixes: 2 failed import(s) re-searched, 2 reported issue(s) repaired, 1 resolved." in row.text_body


def test_the_backups_line_counts_the_weeks_runs_without_dry_runs(db, monday):
    for n, status in enumerate(("success", "success", "partial", "failed", "missed")):
        backup(f"w{n}", date(2026, 2, 24 + n), status)
    backup("dry", date(2026, 2, 27), "failed", dry_run=True)
    backup("old", date(2026, 2, 20), "failed")
    row = summary()
    # "ok" counts successes only: 2 of 5
    assert "Backups: 2 ok, 1 partial, 1 failed, 1 missed (40% ok)." in row.text_body


def test_a_broken_backups_area_does_not_stop_the_summary(db, monday, monkeypatch):
    from plexportal.backups import service as backups

    def broken(since=None):
        raise RuntimeError("backup tables unreadable")
    monkeypatch.setattr(backups, "totals", broken)
    row = summary()
    assert "Backups: could not be read (see the Backups page)." in row.text_body


def test_the_week_is_shown_in_the_configured_time_zone(db, monday, set_settings):
    # 07:00 UTC on Monday is 18:00 in Sydney: the week shown is Sydney's.
    set_settings(TIMEZONE="Australia/Sydney", WEEKLY_SUMMARY_HOUR="18", SERVER_NAME="Family Plex")
    backup("w0", date(2026, 2, 27), "failed")
    row = summary()
    assert row.text_body.splitlines()[0] == "Week Mon 23 Feb – Mon 02 Mar on Family Plex"


def test_without_an_admin_address_the_run_still_records_the_week(db, set_settings, stack):
    set_settings(TIMEZONE="UTC", WEEKLY_SUMMARY_DAY="mon", WEEKLY_SUMMARY_HOUR="7", ADMIN_EMAIL="")
    clock.freeze(SLOT + timedelta(minutes=1))
    backup("w0", date(2026, 2, 27), "failed")
    run = service.run_monitor("weekly-summary")
    assert run.acted == 1 and run.status == "ok"
    assert not Notification.select().where(Notification.kind == "health.weekly_summary").exists()
    assert service.run_monitor("weekly-summary").acted == 0
