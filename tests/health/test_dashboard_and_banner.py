"""The health card counts messages by the configured day, and the maintenance banner never breaks a
page: not before migrations, not for a visitor, not with the table gone."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from plexportal.health import dashboard
from plexportal.lib import clock
from plexportal.notify.models import Notification


def test_messages_sent_today_count_from_midnight_where_the_admin_lives(db, set_settings):
    set_settings(TIMEZONE="America/New_York")
    clock.freeze(datetime(2026, 3, 3, 3, 0, tzinfo=UTC))                # 22:00 on the 2nd in New York
    Notification.create(kind="x", destination="a@example.com", status="sent",
                        sent_at=datetime(2026, 3, 2, 6, 0, tzinfo=UTC))  # 01:00 New York: today there
    Notification.create(kind="x", destination="b@example.com", status="sent",
                        sent_at=datetime(2026, 3, 2, 4, 0, tzinfo=UTC))  # 23:00 the day before
    Notification.create(kind="x", destination="c@example.com", status="pending")
    card = dashboard.card()
    assert card["sent_today"] == 1 and card["waiting"] == 1 and card["attention"] == 0


def test_a_failed_monitor_run_asks_for_attention(db, monkeypatch):
    from plexportal.health import monitors, service

    def crash(ctx):
        raise RuntimeError("bug")

    monkeypatch.setattr(monitors.MONITORS["quality"], "run", crash)
    service.run_monitor("quality", "manual")
    card = dashboard.card()
    assert [r["monitor"].name for r in card["broken"]] == ["quality"] and card["attention"] == 1


@pytest.mark.sqlite_only              # drops a table: each SQLite test has its own copy of the database
def test_the_banner_never_breaks_a_page_even_without_its_table(client, db, admin):
    from plexportal.health.models import MaintenanceWindow

    MaintenanceWindow.create(starts_at=clock.now() - timedelta(minutes=1), ends_at=clock.now() + timedelta(hours=1))
    assert "Maintenance in progress" in client.get("/auth/login").get_data(as_text=True)
    db.execute_sql(f'DROP TABLE "{MaintenanceWindow._meta.table_name}"')
    r = client.get("/auth/login")
    assert r.status_code == 200 and "Maintenance in progress" not in r.get_data(as_text=True)
