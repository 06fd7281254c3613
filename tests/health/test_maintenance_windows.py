"""Maintenance windows: everyone told, reminded, told when it ends; sending and monitors pause."""
from datetime import UTC, datetime, timedelta

import pytest

from plexportal.auth.models import User
from plexportal.health import maintenance
from plexportal.health import service as health
from plexportal.health.models import MaintenanceWindow
from plexportal.lib import clock
from plexportal.notify import send
from plexportal.notify import service as outbox
from plexportal.notify.models import Notification

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def people(db, set_settings, smtp_server):
    set_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.port), SMTP_SECURITY="none",
                 SMTP_FROM="portal@example.com", SERVER_NAME="Harbour Server", TIMEZONE="Europe/London")
    clock.freeze(T0)
    User.create(username="alice", email="alice@example.com")
    User.create(username="bob", email="bob@example.com")
    User.create(username="noemail")
    User.create(username="gone", email="gone@example.com", is_active=False)
    return smtp_server


def subjects(smtp, n):
    return sorted((m["To"], m["Subject"]) for m in smtp.wait_for(n))


def test_it_announces_a_window_to_every_active_user_at_once(people):
    maintenance.create_window(T0 + timedelta(hours=5), T0 + timedelta(hours=7), "New disks")
    got = subjects(people, 2)
    assert got == [("alice@example.com", "Planned maintenance on Harbour Server"),
                   ("bob@example.com", "Planned maintenance on Harbour Server")]
    body = people.messages[0].get_body(("plain",)).get_content()
    assert "New disks" in body and "from Mon 2 Mar, 17:00 to Mon 2 Mar, 19:00" in body    # Babel, in the reader's language


def test_it_reminds_an_hour_before_starts_pauses_and_completes_by_the_clock(people):
    window = maintenance.create_window(T0 + timedelta(hours=5), T0 + timedelta(hours=7), "")
    people.wait_for(2)
    clock.freeze(T0 + timedelta(hours=3, minutes=59))
    assert maintenance.advance()["reminded"] == 0
    clock.freeze(T0 + timedelta(hours=4, minutes=1))
    assert maintenance.advance()["reminded"] == 1
    assert maintenance.advance()["reminded"] == 0              # once
    people.wait_for(4)
    clock.freeze(T0 + timedelta(hours=5, minutes=1))
    maintenance.advance()
    assert MaintenanceWindow.get_by_id(window.id).status == "active"
    assert send.pause_reason() == "maintenance until Mon 02 Mar, 19:00 GMT"
    # A message queued during the window waits; nothing is lost.
    held = outbox.queue_email("alice@example.com", "Ready to watch", "text")
    assert Notification.get_by_id(held.id).status == "pending"
    clock.freeze(T0 + timedelta(hours=7, minutes=1))
    assert maintenance.advance()["completed"] == 1
    assert send.pause_reason() is None
    got = [m["Subject"] for m in people.wait_for(7)]
    assert got.count("Harbour Server is back") == 2 and "Ready to watch" in got
    assert Notification.get_by_id(held.id).status == "sent"


def test_a_window_starting_now_is_announced_before_the_pause_holds(people):
    maintenance.create_window(T0, T0 + timedelta(hours=1), "Quick reboot")
    assert len(people.wait_for(2)) == 2
    assert send.pause_reason() is not None


def test_ending_by_hand_tells_everyone_and_resumes_sending(people):
    window = maintenance.create_window(T0 - timedelta(minutes=1), T0 + timedelta(hours=3), "")
    people.wait_for(2)
    held = outbox.queue_email("bob@example.com", "Waiting message", "text")
    maintenance.end_window(window.id)
    got = [m["Subject"] for m in people.wait_for(5)]
    assert got.count("Harbour Server is back") == 2 and "Waiting message" in got
    assert Notification.get_by_id(held.id).status == "sent"
    assert maintenance.advance()["completed"] == 0             # not told twice


def test_cancelling_sends_a_cancellation_notice(people):
    window = maintenance.create_window(T0 + timedelta(days=1), T0 + timedelta(days=1, hours=2), "")
    people.wait_for(2)
    maintenance.cancel_window(window.id)
    got = [m["Subject"] for m in people.wait_for(4)]
    assert got.count("Maintenance on Harbour Server is cancelled") == 2
    with pytest.raises(maintenance.WindowError):
        maintenance.cancel_window(window.id)


def test_monitors_pause_during_a_window(people):
    maintenance.create_window(T0, T0 + timedelta(hours=1), "")
    people.wait_for(2)
    with pytest.raises(health.Busy, match="maintenance"):
        health.run_monitor("stuck")
    assert health.run_due() == []


@pytest.mark.parametrize("start,end,message", [
    (T0 + timedelta(hours=2), T0 + timedelta(hours=1), "The end must be after the start."),
    (T0 - timedelta(hours=3), T0 - timedelta(hours=1), "That window has already ended."),
    (T0, T0 + timedelta(days=20), "A window can last at most 14 days."),
])
def test_it_refuses_a_bad_window_and_stores_nothing(people, start, end, message):
    with pytest.raises(maintenance.WindowError, match=message):
        maintenance.create_window(start, end, "")
    assert MaintenanceWindow.select().count() == 0
    assert Notification.select().count() == 0
