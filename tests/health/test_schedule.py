"""The schedule: state, not ticks; a new monitor waits one interval; switched-off monitors never run."""
from datetime import timedelta

from plexportal.health import service
from plexportal.health.models import MonitorRun
from plexportal.lib import clock


def test_monitors_run_when_their_interval_has_passed(db, set_settings):
    set_settings(MONITOR_QUALITY_ENABLED="false", MONITOR_ISSUE_FIX_INTERVAL="60")
    assert service.run_due() == []                     # a fresh install waits one interval
    clock.advance(timedelta(minutes=16))
    ran = {r.monitor for r in service.run_due()}
    assert ran == {"import-fix", "weekly-summary"}     # every 15 min by default
    assert service.run_due() == []
    clock.advance(timedelta(minutes=50))
    ran = {r.monitor for r in service.run_due()}
    assert ran == {"import-fix", "weekly-summary", "issue-fix", "stuck", "reconcile"}
    assert MonitorRun.select().where(MonitorRun.monitor == "quality").count() == 0


def test_a_worker_that_was_down_runs_each_monitor_once_when_back(db):
    service.run_due()
    clock.advance(timedelta(days=3))
    runs = service.run_due()
    assert sorted(r.monitor for r in runs) == sorted(["quality", "import-fix", "issue-fix", "stuck", "reconcile",
                                                      "weekly-summary"])


def test_a_run_left_by_a_killed_worker_is_taken_over_later(db):
    from plexportal.health.models import MonitorState

    service.state("stuck")
    MonitorState.update(running_since=clock.now()).where(MonitorState.name == "stuck").execute()
    try:
        service.run_monitor("stuck")
    except service.Busy as err:
        assert "running already" in str(err)
    else:
        raise AssertionError("ran twice at once")
    clock.advance(timedelta(minutes=31))
    assert service.run_monitor("stuck").status == "ok"
