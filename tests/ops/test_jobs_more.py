"""The Jobs page when the worker is missing or silent, tasks run on demand and their failures
(secrets kept out), Run now pressed twice, and schedules described in words."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from plexportal.lib import clock
from plexportal.ops import jobs, logstore
from plexportal.ops.models import JobState, LogRecord

T0 = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)


def test_the_page_says_when_the_worker_never_ran_or_went_quiet(logged_in):
    clock.freeze(T0)
    page = logged_in.get("/ops/jobs").get_data(as_text=True)
    assert "The worker has not run any task yet. Is it running?" in page
    JobState.create(name="plexportal.notify.tasks.send_due_notifications_task", last_started_at=T0 - timedelta(hours=2),
                    last_finished_at=T0 - timedelta(hours=2), last_outcome="ok", runs=1)
    page = logged_in.get("/ops/jobs").get_data(as_text=True)
    assert "nothing has run since. Is it still running?" in page
    JobState.update(last_finished_at=T0 - timedelta(seconds=30)).execute()
    page = logged_in.get("/ops/jobs").get_data(as_text=True)
    assert "nothing has run since" not in page and "The worker last ran a task" in page
    assert jobs.worker_seen() == T0 - timedelta(seconds=30)


def test_a_failing_on_demand_task_is_recorded_without_its_secrets_and_logged_with_its_subject(logged_in, set_settings,
                                                                                             caplog):
    import logging

    from plexportal.queue import app_task, huey

    caplog.set_level(logging.INFO)
    token = "plex-owner-token-abcdef123456"
    set_settings(PLEX_TOKEN=token)
    jobs.install(huey.instance)

    @app_task()
    def send_notifications_task(ids):
        raise RuntimeError(f"plex.tv refused token {token} for message {ids[0]}")

    send_notifications_task([41, 42])
    send_notifications_task([43])
    state = JobState.get(JobState.name.endswith(".send_notifications_task"))
    assert state.last_outcome == "error" and state.runs == 2 and state.failures == 2
    assert token not in state.last_error and "RuntimeError: plex.tv refused token [redacted]" in state.last_error
    page = logged_in.get("/ops/jobs").get_data(as_text=True)
    assert "Tasks run on demand" in page and "send_notifications_task" in page and "(2 failed)" in page
    assert token not in page
    logstore.flush()
    subjects = sorted(r.subject_id for r in LogRecord.select().where(LogRecord.subject_kind == "message"))
    assert subjects == [41, 43]


def test_a_task_that_recovers_clears_its_error(db):
    from plexportal.queue import app_task, huey

    jobs.install(huey.instance)
    calls = []

    @app_task()
    def flaky_cleanup_task():
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("first time fails")
        return "ok"

    flaky_cleanup_task()
    flaky_cleanup_task()
    state = JobState.get(JobState.name.endswith(".flaky_cleanup_task"))
    assert state.last_outcome == "ok" and state.last_error == "" and (state.runs, state.failures) == (2, 1)


def test_run_now_twice_within_a_minute_queues_once(logged_in):
    name = "plexportal.settings.tasks.check_services_task"
    first = logged_in.post("/ops/jobs/run", data={"name": name}, htmx=True).get_data(as_text=True)
    second = logged_in.post("/ops/jobs/run", data={"name": name}, htmx=True).get_data(as_text=True)
    assert "Queued: Test the connections." in first
    assert "Test the connections is already queued." in second
    clock.advance(timedelta(minutes=2))
    assert "Queued:" in logged_in.post("/ops/jobs/run", data={"name": name}, htmx=True).get_data(as_text=True)


def test_visitors_cannot_run_jobs(web, admin):
    r = web.post("/ops/jobs/run", data={"name": "plexportal.settings.tasks.check_services_task"})
    assert r.status_code in (302, 400)
    assert JobState.select().count() == 0


def every(minutes: int, count: int = 4, start: datetime = T0) -> list[datetime]:
    return [start + timedelta(minutes=minutes * i) for i in range(count)]


@pytest.mark.parametrize("times, words", [
    ([], "never"),
    ([T0], "rarely"),
    (every(1), "every minute"),
    (every(10), "every 10 minutes"),
    (every(30, start=T0 + timedelta(minutes=7)), "hourly at :07 and :37"),
    (every(60, start=T0 + timedelta(minutes=5)), "hourly at :05"),
    (every(1440, start=T0 + timedelta(hours=3)), "daily at 15:00 UTC"),
    (every(360), "every 6 hours"),
    (every(90), "every 90 minutes"),
    ([T0 + timedelta(minutes=m) for m in (5, 20, 65, 80)], "hourly at :05 and :20"),
])
def test_schedules_are_described_in_words(times, words):
    assert jobs.describe(times) == words


def test_next_fire_times_come_from_the_tasks_own_schedule():
    from huey import crontab

    fires = jobs.fires(crontab(minute="15", hour="3"), datetime(2026, 5, 10, 3, 15, 30, tzinfo=UTC), count=2)
    assert fires == [datetime(2026, 5, 11, 3, 15, tzinfo=UTC), datetime(2026, 5, 12, 3, 15, tzinfo=UTC)]
    assert jobs.fires(crontab(month="2", day="30"), T0) == []          # 30 February never comes


def test_the_subject_of_a_task_is_its_first_id():
    class process_webhook_task:
        def __init__(self, args):
            self.args = args

    assert jobs.subject_of(process_webhook_task((7,))) == ("webhook", 7)
    assert jobs.subject_of(process_webhook_task(([8, 9],))) == ("webhook", 8)
    assert jobs.subject_of(process_webhook_task(("7",))) is None
    assert jobs.subject_of(process_webhook_task(())) is None


def test_a_task_run_many_times_a_second_counts_every_run_and_shows_its_last_start(db):
    from plexportal.queue import app_task, huey

    jobs.install(huey.instance)

    @app_task()
    def busy_webhook_task():
        return 1

    first = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
    clock.freeze(first)
    busy_webhook_task()
    clock.advance(timedelta(milliseconds=300))
    busy_webhook_task()                       # its "running" is not written again within the second
    busy_webhook_task()
    state = JobState.get(JobState.name.endswith(".busy_webhook_task"))
    assert state.runs == 3 and state.last_outcome == "ok"
    assert state.last_started_at == first + timedelta(milliseconds=300)
