"""The weekly summary: sent once per week at the configured local time, caught up after downtime."""
from datetime import UTC, datetime, timedelta

from plexportal.health import service
from plexportal.health.models import IssueFix
from plexportal.lib import clock
from plexportal.media.models import MediaRequest
from plexportal.notify import service as outbox
from plexportal.notify.models import Notification

# Sunday 1 March 2026, 09:00 in Europe/Paris is 08:00 UTC.
SUNDAY_9_PARIS = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def summaries():
    return list(Notification.select().where(Notification.kind == "health.weekly_summary"))


def test_it_sends_once_at_nine_on_sunday_local_time_with_the_weeks_figures(db, stack, set_settings):
    set_settings(TIMEZONE="Europe/Paris")
    clock.freeze(SUNDAY_9_PARIS - timedelta(days=3))
    MediaRequest.create(media_type="movie", tmdb_id=1, title="A", status="available")
    MediaRequest.create(media_type="tv", tvdb_id=2, title="B", status="approved")
    IssueFix.create(seerr_issue_id=1, title="C", state="review")
    sent = outbox.queue_email("friend@example.com", "Ready", "text")
    stack["smtp"].wait_for(1)
    # A minute before: the previous week's (ending 22 Feb) goes out, then nothing more until 09:00.
    clock.freeze(SUNDAY_9_PARIS - timedelta(minutes=1))
    assert service.run_monitor("weekly-summary").acted == 1
    assert service.run_monitor("weekly-summary").acted == 0
    clock.freeze(SUNDAY_9_PARIS + timedelta(minutes=5))
    run = service.run_monitor("weekly-summary")
    assert run.acted == 1
    msg = [m for m in stack["smtp"].wait_for(3) if m["Subject"].startswith("Weekly summary")][-1]
    body = msg.get_body(("plain",)).get_content()
    assert "Week Sun 22 Feb – Sun 01 Mar" in body
    assert "Requests: 2 new, 1 became available. Now: 1 approved, 1 available." in body
    assert "Messages: 2 sent, 0 failed." in body          # the friend's message and last week's summary and "Open issues: 1." in body
    assert msg["Subject"] == "Weekly summary: 2 messages sent, 1 thing(s) need a look"
    clock.advance(timedelta(minutes=15))
    assert service.run_monitor("weekly-summary").acted == 0
    assert Notification.get_by_id(sent.id).status == "sent"


def test_a_fresh_install_or_a_week_of_nothing_sends_no_summary(db, stack, set_settings):
    set_settings(TIMEZONE="Europe/Paris")
    clock.freeze(SUNDAY_9_PARIS + timedelta(hours=3))        # installed on a Sunday after the hour
    run = service.run_monitor("weekly-summary")
    assert run.acted == 0 and summaries() == []
    note = service.last_runs("weekly-summary")[0].lines[0]
    assert "nothing happened in the week ending 2026-03-01 09:00 CET" in note     # local time, zone named
    MediaRequest.create(media_type="movie", tmdb_id=1, title="A", status="pending")
    clock.advance(timedelta(days=7))                         # a week with one request in it
    assert service.run_monitor("weekly-summary").acted == 1
    assert summaries()[0].subject.startswith("Weekly summary: ")


def test_a_worker_that_was_down_catches_up_once(db, stack, set_settings):
    set_settings(TIMEZONE="UTC", WEEKLY_SUMMARY_DAY="mon", WEEKLY_SUMMARY_HOUR="7")
    clock.freeze(datetime(2026, 3, 1, 15, 0, tzinfo=UTC))
    MediaRequest.create(media_type="movie", tmdb_id=1, title="A", status="pending")   # something to tell
    clock.freeze(datetime(2026, 3, 4, 15, 0, tzinfo=UTC))          # Wednesday: Monday's was missed
    assert service.run_monitor("weekly-summary").acted == 1
    assert "2026-03-02 07:00" in service.last_runs("weekly-summary")[0].lines[0]
    clock.advance(timedelta(hours=2))
    assert service.run_monitor("weekly-summary").acted == 0
    assert len(summaries()) == 1
