"""Tasks that moved with the health area keep their former dotted names for one release, so
messages already queued under those names still run (docs/upgrading.md)."""
from huey.registry import Message

from plexportal.health import tasks as health_tasks  # noqa: F401 - declares the tasks, as the worker does
from plexportal.health.models import MonitorRun
from plexportal.media import tasks as media_tasks  # noqa: F401
from plexportal.queue import huey

FORMER = ["plexportal.monitors.tasks.run_monitor_task", "plexportal.monitors.tasks.run_due_monitors_task",
          "plexportal.monitors.tasks.refresh_calendar_task",
          "plexportal.maintenance.tasks.advance_maintenance_task"]


def _queued(name: str, *args):
    """A message as an older release wrote it to the queue, read back by this one."""
    h = huey.instance
    data = h.serializer.serialize(Message("m-1", name, None, 0, 0, None, args, {}, None, None, None, None, None,
                                          None, None))
    return h, h.deserialize_task(data)


def test_a_monitor_run_queued_under_the_former_name_still_runs(db):
    h, task = _queued("plexportal.monitors.tasks.run_monitor_task", "stuck", "manual")
    h.execute(task)
    run = MonitorRun.get()
    assert (run.monitor, run.trigger, run.status) == ("stuck", "manual", "ok")


def test_every_former_name_is_known_but_only_the_new_ones_are_scheduled(app):
    h = huey.instance
    for name in FORMER:
        assert h._registry.string_to_task(name)
    periodic = {h._registry.task_to_string(type(t)) for t in h._registry.periodic_tasks}
    assert periodic.isdisjoint(FORMER)
    assert {"plexportal.health.tasks.run_due_monitors_task", "plexportal.media.tasks.refresh_calendar_task",
            "plexportal.health.tasks.advance_maintenance_task"} <= periodic
