"""The dashboard's message counts read an index range, not every message ever sent: the query
plans are checked (SQLite), so a change that brings back a scan of the whole outbox fails here.
The kinds to filter by and the API's total do not walk the outbox either."""
from datetime import timedelta

import pytest

from plexportal.db import db as database
from plexportal.lib import clock
from plexportal.notify.models import Notification
from tests.statements import counting


@pytest.mark.sqlite_only
def test_it_counts_todays_sent_messages_from_the_index_of_sent_times(db):
    from plexportal.health import dashboard

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


def _messages(users, each=1, status="sent"):
    now = clock.now()
    Notification.insert_many([dict(kind="media.ready", status=status, user=u.id, destination=u.email, sent_at=now,
                                   send_after=now, created_at=now, subject=f"For {u.username} #{n}")
                              for u in users for n in range(each)]).execute()


def test_it_says_ten_thousand_and_more_instead_of_counting_every_message(logged_in, make_user, monkeypatch):
    from plexportal.notify import outbox

    monkeypatch.setattr(outbox, "COUNT_CAP", 3)
    ana = make_user("ana")
    _messages([ana], each=5)
    _messages([ana], each=2, status="failed")
    page = logged_in.get("/notify/").get_data(as_text=True)
    assert 'Sent <span class="muted">3+</span>' in page and 'Failed <span class="muted">2</span>' in page
    dashboard = logged_in.get("/").get_data(as_text=True)
    assert "3+" in dashboard


def test_it_asks_for_a_name_when_too_many_people_to_list(logged_in, make_user, monkeypatch):
    from plexportal.notify import outbox

    monkeypatch.setattr(outbox, "PEOPLE_LIST_MAX", 3)
    people = [make_user(f"viewer{i}") for i in range(5)]
    _messages(people)
    page = logged_in.get("/notify/").get_data(as_text=True)
    assert 'name="person"' in page and "<option" not in page.split('name="person"')[0].rsplit("<form", 1)[-1]
    mine = logged_in.get("/notify/?person=Viewer3@Example.com").get_data(as_text=True)
    assert "For viewer3 #0" in mine and "For viewer2" not in mine
    assert 'value="Viewer3@Example.com"' in mine
    nobody = logged_in.get("/notify/?person=nobody-here").get_data(as_text=True)
    assert "Nobody is called “nobody-here”" in nobody and "For viewer" not in nobody
    further = logged_in.get("/notify/?person=viewer1&page=9999")
    assert further.status_code == 200 and "For viewer" not in further.get_data(as_text=True)


def test_the_kinds_to_filter_by_are_read_one_per_kind_not_one_per_message(logged_in, make_user):
    from plexportal.notify import outbox

    ana = make_user("ana")
    _messages([ana], each=30)
    now = clock.now()
    Notification.insert_many([dict(kind=k, status="sent", destination="a@example.com", send_after=now, created_at=now)
                              for k in ("invites.welcome", "admin.alert", "admin.alert", "backups.alert")]).execute()
    with counting(database.obj) as work:
        kinds = outbox.kinds()
    assert kinds == ["admin.alert", "backups.alert", "invites.welcome", "media.ready"]
    assert work.statements == 1 and work.rows == 4 and "DISTINCT" not in work.sql[0].upper()
    page = logged_in.get("/notify/").get_data(as_text=True)
    assert '<option value="backups.alert"' in page and '<option value="media.ready"' in page
    Notification.delete().execute()
    assert outbox.kinds() == []


def test_the_apis_total_stops_past_the_cap_and_says_so(logged_in, make_user, set_settings, monkeypatch):
    from plexportal.notify import outbox

    set_settings(API_KEY="b" * 32)
    headers = {"X-Api-Key": "b" * 32}
    monkeypatch.setattr(outbox, "COUNT_CAP", 4)
    ana = make_user("ana")
    _messages([ana], each=5)
    exact = logged_in.get("/api/v1/notifications?limit=2", headers=headers).get_json()
    assert exact["total"] == 5 and exact["total_capped"] is False and exact["next"].endswith("offset=2")

    _messages([ana], each=10)                            # 15: more than 2 + 4 past the first page
    capped = logged_in.get("/api/v1/notifications?limit=2", headers=headers).get_json()
    assert capped["total"] == 6 and capped["total_capped"] is True and len(capped["items"]) == 2
    assert capped["next"].endswith("offset=2")
    # Further on, the count reaches past that page: the last page still ends the list.
    last = logged_in.get("/api/v1/notifications?limit=2&offset=14", headers=headers).get_json()
    assert last["total"] == 15 and last["total_capped"] is False and last["next"] is None and len(last["items"]) == 1
    filtered = logged_in.get("/api/v1/notifications?status=failed", headers=headers).get_json()
    assert filtered["total"] == 0 and filtered["total_capped"] is False
