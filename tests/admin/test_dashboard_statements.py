"""The dashboard asks the same statements however long the server's history: every count over a
table that grows (requests, messages) stops at its cap instead of counting every row, nothing is
grouped over a whole table, and nothing is asked once per request or per person shown."""
from datetime import timedelta

from plexportal.auth.models import User
from plexportal.db import db
from plexportal.lib import clock
from plexportal.media.models import MediaRequest
from plexportal.notify.models import Notification
from tests.statements import counting


def _history(n, start=0):
    now = clock.now()
    people = [User.create(username=f"r{start + i}", email=f"r{start + i}@example.com") for i in range(n)]
    MediaRequest.insert_many([dict(media_type="movie", title=f"T{start + i}", status=s, requested_by=people[i].id,
                                   seerr_request_id=1000 + start + i, created_at=now - timedelta(minutes=i))
                              for i in range(n) for s in ["pending"]]).execute()
    MediaRequest.insert_many([dict(media_type="tv", title=f"A{start + i}", status="available",
                                   created_at=now - timedelta(days=1)) for i in range(n)]).execute()
    Notification.insert_many([dict(kind="media.ready", status=s, destination=f"v{i}@example.com", sent_at=now,
                                   send_after=now, created_at=now)
                              for i in range(n) for s in ("sent", "failed", "pending")]).execute()


def _dashboard(client):
    client.get("/")                                      # settings and sessions cached
    with counting(db.obj) as work:
        page = client.get("/")
    assert page.status_code == 200
    return work, page.get_data(as_text=True)


def test_the_dashboard_asks_the_same_statements_for_a_long_history(logged_in, monkeypatch):
    from plexportal.media import service as media
    from plexportal.notify import outbox

    monkeypatch.setattr(media, "COUNT_CAP", 5)
    monkeypatch.setattr(outbox, "COUNT_CAP", 5)
    _history(2)
    small, page = _dashboard(logged_in)
    assert "Waiting for approval (2)" in page

    _history(20, start=100)
    large, page = _dashboard(logged_in)
    assert large.statements == small.statements, "\n".join(large.sql)
    assert "Waiting for approval (5+)" in page and "5+ waiting" in page
    assert '<strong>5+</strong> messages could not be sent' in page
    assert not [s for s in large.sql if "GROUP BY" in s], "a count grouped over a whole table"
    # Every count over the requests and the outbox stops at its cap (a LIMIT inside the count),
    # but for today's sent messages, which read today's part of the (status, sent_at) index.
    counted = [sql for sql in large.sql if "COUNT(" in sql and ('"media_request"' in sql or '"notification"' in sql)]
    assert counted
    for sql in counted:
        if '"sent_at" >=' in sql:
            continue
        for part in sql.split("FROM (SELECT 1 FROM")[1:]:
            assert "LIMIT" in part.split(') AS "')[0], sql
    # Each card's counts in one statement: the requests' five, the outbox's six.
    assert len(counted) <= 4, "\n".join(counted)
    # The requests waiting for approval come with their requesters: no statement per request.
    assert sum('FROM "user"' in s for s in large.sql) <= 2, "\n".join(large.sql)
    assert sum('"request_decision"' in s for s in large.sql) <= 1, "\n".join(large.sql)
