"""Maintenance windows off the happy path: times typed in the configured zone, a message too long,
a window announced too late for a reminder, cancelling one nobody was told about, the banner on
public pages, and the worker's minute task."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from plexportal.admin.models import AuditEntry
from plexportal.auth.models import User
from plexportal.health import maintenance as service
from plexportal.health import tasks
from plexportal.health.models import MaintenanceWindow
from plexportal.lib import clock
from plexportal.notify.models import Notification

T0 = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def people(db, set_settings):
    set_settings(SERVER_NAME="Harbour Server", TIMEZONE="Europe/Paris")
    clock.freeze(T0)
    User.create(username="alice", email="alice@example.com")
    User.create(username="blank", email="")
    return db


def kinds():
    return sorted(n.kind for n in Notification.select())


def test_times_typed_on_the_page_are_in_the_configured_zone(admin_web, people):
    form = {"starts_at": "2026-07-01T18:00", "ends_at": "2026-07-01T19:30", "message": "New disks"}
    r = admin_web.post("/maintenance/", data=form, htmx=True)            # the preview: nothing planned yet
    assert r.status_code == 200 and MaintenanceWindow.select().count() == 0
    count = re.search(r'name="expected" value="(\d+)"', r.get_data(as_text=True)).group(1)
    r = admin_web.post("/maintenance/", data=form | {"confirmed": "1", "expected": count}, htmx=True)
    assert r.headers["HX-Redirect"] == "/maintenance/"
    window = MaintenanceWindow.get()
    assert window.starts_at == datetime(2026, 7, 1, 16, 0, tzinfo=UTC)        # Paris is UTC+2 in July
    assert window.ends_at == datetime(2026, 7, 1, 17, 30, tzinfo=UTC)
    assert window.created_by == "admin"
    entry = AuditEntry.get(AuditEntry.action == "maintenance.create")
    assert "2026-07-01 18:00 CEST to 2026-07-01 19:30 CEST" in entry.message     # in the zone, named


def test_a_message_too_long_is_refused_with_the_values_kept(admin_web, people):
    r = admin_web.post("/maintenance/", data={"starts_at": "2026-07-02T10:00", "ends_at": "2026-07-02T11:00",
                                              "message": "x" * 1001}, htmx=True)
    assert r.status_code == 422 and "Keep it under 1,000 characters." in r.get_data(as_text=True)
    assert MaintenanceWindow.select().count() == 0 and Notification.select().count() == 0


@pytest.mark.parametrize("starts,ends", [("tomorrow", "2026-07-02T11:00"), ("2026-07-02T10:00", "2026-13-40T99:99")])
def test_a_time_that_is_not_one_is_refused(admin_web, people, starts, ends):
    r = admin_web.post("/maintenance/", data={"starts_at": starts, "ends_at": ends}, htmx=True)
    assert r.status_code == 422 and MaintenanceWindow.select().count() == 0


def test_a_window_that_ended_in_the_past_is_refused_on_the_page(admin_web, people):
    r = admin_web.post("/maintenance/", data={"starts_at": "2026-06-01T10:00", "ends_at": "2026-06-01T11:00"},
                       htmx=True)
    assert r.status_code == 422 and "That window has already ended." in r.get_data(as_text=True)


def test_naive_times_and_overlong_messages_are_refused_by_the_service(people):
    with pytest.raises(service.WindowError, match="time zone"):
        service.create_window(datetime(2026, 7, 2, 10), datetime(2026, 7, 2, 11), "")
    with pytest.raises(service.WindowError, match="under 1,000") as err:
        service.create_window(T0 + timedelta(hours=1), T0 + timedelta(hours=2), "y" * 1001)
    assert err.value.field == "message"
    assert MaintenanceWindow.select().count() == 0


def test_only_people_with_an_address_are_told(people):
    service.create_window(T0 + timedelta(days=1), T0 + timedelta(days=1, hours=1), "")
    [n] = Notification.select()
    assert n.destination == "alice@example.com" and n.kind == "maintenance.announce"
    assert "Thu 02 Jul, 14:00 CEST" in n.text_body


def test_a_window_announced_less_than_ninety_minutes_ahead_gets_no_reminder(people):
    service.create_window(T0 + timedelta(minutes=80), T0 + timedelta(hours=3), "")
    clock.freeze(T0 + timedelta(minutes=30))
    assert service.advance() == {"reminded": 0, "started": 0, "completed": 0}
    assert kinds() == ["maintenance.announce"]


def test_the_worker_starts_and_completes_a_window_by_the_clock(people):
    window = service.create_window(T0 + timedelta(hours=3), T0 + timedelta(hours=4), "")
    clock.freeze(T0 + timedelta(hours=3, minutes=1))
    assert tasks.advance_maintenance_task.call_local() == {"reminded": 0, "started": 1, "completed": 0}
    assert MaintenanceWindow.get_by_id(window.id).status == "active"
    clock.freeze(T0 + timedelta(hours=6))                  # the worker was down past the end
    assert tasks.advance_maintenance_task.call_local()["completed"] == 1
    assert MaintenanceWindow.get_by_id(window.id).status == "completed"
    assert kinds().count("maintenance.complete") == 1


def test_cancelling_a_window_nobody_was_told_about_tells_nobody(people):
    window = MaintenanceWindow.create(starts_at=T0 + timedelta(days=1), ends_at=T0 + timedelta(days=1, hours=1))
    service.cancel_window(window.id)
    assert Notification.select().count() == 0
    assert MaintenanceWindow.get_by_id(window.id).status == "cancelled"


def test_a_window_that_has_not_started_cannot_be_ended(people):
    window = service.create_window(T0 + timedelta(hours=2), T0 + timedelta(hours=3), "")
    with pytest.raises(service.WindowError, match="Only a window that has started can be ended."):
        service.end_window(window.id)
    assert MaintenanceWindow.get_by_id(window.id).status == "scheduled"


def test_ending_by_hand_on_the_page_when_it_has_not_started_says_so(admin_web, people):
    window = service.create_window(T0 + timedelta(hours=2), T0 + timedelta(hours=3), "")
    r = admin_web.post(f"/maintenance/{window.id}/end", htmx=True)
    assert "Only a window that has started can be ended." in r.get_data(as_text=True)
    assert not AuditEntry.select().where(AuditEntry.action == "maintenance.end").exists()


def test_the_banner_shows_on_public_pages_and_escapes_the_message(client, people, admin):
    service.create_window(T0 + timedelta(hours=2), T0 + timedelta(hours=3), "<b>disks</b>")
    page = client.get("/auth/login").get_data(as_text=True)
    assert "Planned maintenance" in page and "&lt;b&gt;disks&lt;/b&gt;" in page
    clock.freeze(T0 + timedelta(hours=2, minutes=5))
    page = client.get("/auth/login").get_data(as_text=True)
    assert "Maintenance in progress" in page and "until Wed 17:00" in page


def test_no_banner_for_a_window_more_than_a_day_away_or_cancelled(client, people, admin):
    later = service.create_window(T0 + timedelta(days=2), T0 + timedelta(days=2, hours=1), "")
    assert "maintenance" not in client.get("/auth/login").get_data(as_text=True).lower()
    soon = service.create_window(T0 + timedelta(hours=1), T0 + timedelta(hours=2), "")
    service.cancel_window(soon.id)
    assert "Planned maintenance" not in client.get("/auth/login").get_data(as_text=True)
    assert later.id


def test_the_page_lists_windows_newest_first(admin_web, people):
    service.create_window(T0 + timedelta(days=1), T0 + timedelta(days=1, hours=1), "first planned")
    service.create_window(T0 + timedelta(days=3), T0 + timedelta(days=3, hours=1), "second planned")
    page = admin_web.get("/maintenance/").get_data(as_text=True)
    listed = page[page.index("<h2>Windows</h2>"):]          # the banner above names the next one too
    assert listed.index("second planned") < listed.index("first planned")
