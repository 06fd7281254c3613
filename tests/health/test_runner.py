"""The monitor runner beyond the schedule: a monitor that crashes is recorded and does not stop the
others, a switched-off monitor never runs on its own, the tasks and the CLI say what happened,
and the schedule is described in words."""
from __future__ import annotations

from datetime import timedelta

import pytest

from plexportal.auth.models import User
from plexportal.health import maintenance, monitors, service, tasks
from plexportal.health.models import MonitorRun, MonitorState
from plexportal.lib import clock


def crash(ctx):
    raise RuntimeError("a bug in the monitor")


def test_a_crashing_monitor_is_recorded_released_and_the_others_still_run(db, monkeypatch, caplog):
    monkeypatch.setattr(monitors.MONITORS["stuck"], "run", crash)
    service.run_due()
    clock.advance(timedelta(days=1))
    runs = {r.monitor: r for r in service.run_due()}
    assert runs["stuck"].status == "error" and runs["stuck"].errors == ["RuntimeError: a bug in the monitor"]
    assert runs["stuck"].summary == "found 0, acted on 0, 1 upstream error(s), retried next run"
    assert runs["import-fix"].status == "ok"
    st = MonitorState.get(MonitorState.name == "stuck")
    assert st.running_since is None and st.last_status == "error"          # free for the next run
    assert "monitor stuck crashed" in caplog.text


def test_a_switched_off_monitor_never_runs_on_its_own_but_run_now_still_works(db, set_settings):
    set_settings(MONITOR_STUCK_ENABLED="false")
    service.run_due()
    clock.advance(timedelta(days=2))
    assert "stuck" not in {r.monitor for r in service.run_due()}
    assert service.run_monitor("stuck", "manual").status == "ok"
    row = next(r for r in service.overview() if r["monitor"].name == "stuck")
    assert row["enabled"] is False and row["next_due"] is None


def test_nothing_runs_during_maintenance_and_it_catches_up_after(db):
    service.run_due()
    User.create(username="alice", email="alice@example.com")  # someone to tell
    window = maintenance.create_window(clock.now() + timedelta(minutes=1), clock.now() + timedelta(hours=2), "")
    clock.advance(timedelta(hours=1))
    assert service.run_due() == []
    maintenance.end_window(window.id)
    assert len(service.run_due()) >= 5


@pytest.mark.parametrize("minutes,words", [("1", "every 1 min"), ("45", "every 45 min"), ("60", "every hour"),
                                           ("360", "every 6 h"), ("90", "every 90 min")])
def test_the_schedule_is_said_in_words(db, set_settings, minutes, words):
    set_settings(MONITOR_STUCK_INTERVAL=minutes)
    assert service.schedule_words(monitors.MONITORS["stuck"]) == words


def test_the_weekly_summary_says_its_day_and_hour(db, set_settings):
    set_settings(WEEKLY_SUMMARY_DAY="fri", WEEKLY_SUMMARY_HOUR="7")
    assert service.schedule_words(monitors.MONITORS["weekly-summary"]) == "Fridays at 07:00"


def test_an_interval_below_a_minute_is_refused_when_saved(db, set_settings):
    from plexportal.settings.service import SettingsInvalid

    with pytest.raises(SettingsInvalid, match="at least 1"):
        set_settings(MONITOR_STUCK_INTERVAL="0")
    assert service.schedule_words(monitors.MONITORS["stuck"]) == "every 30 min"


def test_a_new_monitor_waits_one_interval_from_when_it_was_first_seen(db, set_settings):
    set_settings(MONITOR_STUCK_INTERVAL="30")
    m = monitors.MONITORS["stuck"]
    first = service.state("stuck")
    assert service.next_due(m, first) == first.first_seen_at + timedelta(minutes=30)
    assert service.state("stuck").id == first.id                            # one row per monitor, always


def test_the_tasks_return_what_they_did(db):
    assert tasks.run_monitor_task.call_local("stuck") is not None
    MonitorState.update(running_since=clock.now()).where(MonitorState.name == "stuck").execute()
    assert tasks.run_monitor_task.call_local("stuck") is None               # busy: nothing, no error
    assert tasks.run_due_monitors_task.call_local() == []                   # fresh install: none due yet
    clock.advance(timedelta(days=1))
    ran = tasks.run_due_monitors_task.call_local()
    assert ran and all(MonitorRun.get_by_id(i).trigger == "schedule" for i in ran)


def test_the_calendar_refresh_waits_for_the_end_of_maintenance(db, set_settings, fake_sonarr):
    set_settings(SONARR_URL=fake_sonarr.url, SONARR_API_KEY=fake_sonarr.api_key)
    User.create(username="alice", email="alice@example.com")  # someone to tell
    maintenance.create_window(clock.now() - timedelta(minutes=20), clock.now() + timedelta(hours=1), "")
    from plexportal.media.tasks import refresh_calendar_task

    assert refresh_calendar_task.call_local() is None
    assert fake_sonarr.calls_to("/api/v3/calendar") == []


def test_the_cli_refuses_a_busy_monitor_with_a_reason(app, db):
    service.state("stuck")
    MonitorState.update(running_since=clock.now()).where(MonitorState.name == "stuck").execute()
    out = app.test_cli_runner().invoke(args=["monitors", "run", "stuck"])
    assert out.exit_code == 1 and "Stuck downloads is running already." in out.output


def test_the_cli_list_shows_switched_off_monitors_and_last_runs(app, db, set_settings):
    set_settings(MONITOR_QUALITY_ENABLED="false")
    service.run_monitor("stuck", "cli")
    out = app.test_cli_runner().invoke(args=["monitors", "list"]).output
    quality = next(line for line in out.splitlines() if line.startswith("quality"))
    stuck = next(line for line in out.splitlines() if line.startswith("stuck"))
    assert " off " in quality and "never run" in quality
    assert " on " in stuck and ": ok, found 0, acted on 0" in stuck


def test_an_unknown_monitor_is_404_on_every_page(admin_web):
    assert admin_web.get("/monitors/nope").status_code == 404
    assert admin_web.post("/monitors/nope/run", htmx=True).status_code == 404
    assert MonitorRun.select().count() == 0


def test_the_monitors_page_and_a_monitors_runs_come_as_fragments_to_htmx(admin_web):
    service.run_monitor("stuck", "manual")
    frag = admin_web.get("/monitors/", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in frag and "Stuck downloads" in frag
    runs = admin_web.get("/monitors/stuck", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in runs and "found 0, acted on 0" in runs
    full = admin_web.get("/monitors/stuck").get_data(as_text=True)
    assert "<html" in full and "flask --app wsgi monitors run stuck" in full and "Change in Settings" in full
