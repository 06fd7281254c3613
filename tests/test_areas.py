"""Explicit wiring: what each area plugs in is declared in its area.py, and nothing that needs
declaring is left out (a task module no area names would never reach the worker; a model no area
names would escape the schema check)."""
import importlib
import pkgutil

import pytest

import plexportal
from plexportal import areas
from plexportal.db import BaseModel
from plexportal.queue import TaskHandle


def _all_modules():
    # plexportal.worker is the consumer's entry point: importing it starts a worker process's set-up.
    return [importlib.import_module(m.name) for m in pkgutil.walk_packages(plexportal.__path__, "plexportal.")
            if m.name != "plexportal.worker"]


def test_every_area_declares_itself_under_its_own_name(app):
    declared = areas.all_areas()
    assert [a.name for a in declared] == list(areas.NAMES)
    for area in declared:
        assert importlib.import_module(f"plexportal.{area.name}.area").AREA is area


def test_every_blueprint_of_the_app_comes_from_one_area(app):
    owners = {}
    for area in areas.all_areas():
        for bp in area.blueprints:
            assert bp.name not in owners, f"{bp.name} declared by {owners[bp.name]} and {area.name}"
            owners[bp.name] = area.name
    assert set(app.blueprints) == set(owners)


def test_every_task_module_is_named_by_its_area(app):
    declared = {m.__name__ for area in areas.all_areas() for m in area.tasks}
    with_tasks = {m.__name__ for m in _all_modules()
                  if any(isinstance(v, TaskHandle) and v.fn.__module__ == m.__name__ for v in vars(m).values())}
    assert with_tasks <= declared, f"task modules no area.py names: {sorted(with_tasks - declared)}"


def test_every_model_module_is_named_by_its_area(app):
    declared = {m.__name__ for area in areas.all_areas() for m in area.models}
    with_models = {v.__module__ for m in _all_modules() for v in vars(m).values()
                   if isinstance(v, type) and issubclass(v, BaseModel) and v is not BaseModel}
    assert with_models <= declared, f"model modules no area.py names: {sorted(with_models - declared)}"


def test_the_registries_hold_exactly_what_the_areas_declare(app):
    from plexportal.media import events as webhook_events
    from plexportal.notify import events as kinds
    from plexportal.notify import links, send

    declared = areas.all_areas()
    assert {e.key for e in kinds.all_events()} == {k.key for a in declared for k in a.message_kinds}
    assert set(send.GATES) == {k for a in declared for k in a.gates}
    assert set(send.TRANSPORTS) == {k for a in declared for k in a.transports}
    assert set(links.ACCESS_CHECKS) == {c for a in declared for c in a.access_checks} != set()
    for sub in (s for a in declared for s in a.subscribers):
        assert sub.handler in webhook_events.subscribers(sub.source, sub.event_type)



def test_a_task_is_found_by_its_dotted_name_among_the_declared_task_modules(app):
    from plexportal.ops import tasks as ops_tasks

    assert areas.task("plexportal.ops.tasks.create_self_backup_task") is ops_tasks.create_self_backup_task


@pytest.mark.parametrize("name", ["plexportal.ops.tasks.no_such_task", "plexportal.ops.service.run_backup", "nothing"])
def test_a_name_no_area_declares_as_a_task_is_refused(app, name):
    with pytest.raises(LookupError, match="no area declares the task"):
        areas.task(name)
