"""The dashboard's message counts read an index range, not every message ever sent: the query
plans are checked (SQLite), so a change that brings back a scan of the whole outbox fails here."""
from datetime import timedelta

import pytest

from plexportal.lib import clock
from plexportal.notify.models import Notification
from tests.statements import counting


@pytest.mark.sqlite_only
def test_it_counts_todays_sent_messages_from_the_index_of_sent_times(db):
    from plexportal.monitors import dashboard

    old = clock.now() - timedelta(days=400)
    Notification.insert_many([dict(kind="media.ready", status="sent", sent_at=old, send_after=old, created_at=old,
                                   destination=f"v{i}@example.com") for i in range(50)]).execute()
    Notification.create(kind="media.ready", status="sent", sent_at=clock.now(), destination="today@example.com")
    with counting(db.obj) as work:
        card = dashboard.card()
    assert card["sent_today"] == 1
    [(sql, params)] = [(s, p) for s, p in zip(work.sql, work.params) if '"sent_at" >=' in s]
    plan = " ".join(str(row[-1]) for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall())
    assert "notification_status_sent_at" in plan and "sent_at>?" in plan.replace(" ", ""), plan
