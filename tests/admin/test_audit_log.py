"""The audit log: newest first, fifty a page with "Show older" as an htmx row, who and from where,
and entries written outside a request (worker, CLI) marked as the server's."""
from __future__ import annotations

from datetime import timedelta

from plexportal.admin import audit
from plexportal.admin.models import AuditEntry
from plexportal.lib import clock


def test_an_empty_log_says_what_will_appear(logged_in):
    AuditEntry.delete().execute()
    page = logged_in.get("/audit").get_data(as_text=True)
    assert "Nothing recorded yet." in page and "0 entries" in page


def test_it_pages_fifty_at_a_time_newest_first_with_an_htmx_row_for_older(logged_in):
    AuditEntry.delete().execute()
    start = clock.now() - timedelta(days=1)
    for n in range(120):
        AuditEntry.create(action="test.step", message=f"step {n:03d}", at=start + timedelta(minutes=n))
    page = logged_in.get("/audit").get_data(as_text=True)
    assert "120 entries, newest first" in page
    assert page.index("step 119") < page.index("step 070") and "step 069" not in page
    assert 'hx-get="/audit?page=2"' in page
    more = logged_in.get("/audit?page=2", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in more and "step 069" in more and "step 020" in more and "step 119" not in more
    assert 'hx-get="/audit?page=3"' in more
    last = logged_in.get("/audit?page=3", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "step 000" in last and "step 019" in last and "Show older" not in last
    beyond = logged_in.get("/audit?page=9", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "step" not in beyond and "Show older" not in beyond
    assert logged_in.get("/audit?page=-3").status_code == 200            # read as page 1, not an error
    assert logged_in.get("/audit?page=abc").status_code == 200


def test_entries_at_the_same_moment_keep_the_order_they_were_made(logged_in):
    AuditEntry.delete().execute()
    clock.freeze(clock.now())
    for n in range(3):
        audit.record("test.same", f"same moment {n}")
    page = logged_in.get("/audit").get_data(as_text=True)
    assert page.index("same moment 2") < page.index("same moment 1") < page.index("same moment 0")


def test_it_records_who_and_from_where_inside_a_request_and_server_outside(logged_in, app, admin):
    logged_in.post("/invites/new", data={"label": "Audit me"})
    entry = AuditEntry.get(AuditEntry.action == "invites.created")
    assert (entry.actor_label, entry.ip, entry.actor_id) == ("admin", "127.0.0.1", admin.id)
    audit.record("worker.thing", "Done by the worker")                 # no request: the worker or the CLI
    worker = AuditEntry.get(AuditEntry.action == "worker.thing")
    assert (worker.actor_label, worker.ip, worker.actor_id) == ("system", "", None)
    page = logged_in.get("/audit").get_data(as_text=True)
    assert "Done by the worker" in page and '<span class="muted">server</span>' in page


def test_it_escapes_what_people_typed(logged_in):
    audit.record("test.xss", 'Created invite <script>alert(1)</script>')
    page = logged_in.get("/audit").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_a_very_long_message_is_cut_not_refused(db):
    audit.record("test.long", "x" * 5000)
    assert len(AuditEntry.get(AuditEntry.action == "test.long").message) == 2000


def test_recent_gives_one_admins_latest_entries_of_one_kind(db, admin):
    from plexportal.auth.service import create_admin

    other = create_admin("second", "another long password", "second@example.com")
    for n in range(12):
        audit.record("auth.thing", f"mine {n}", admin)
    audit.record("auth.thing", "theirs", other)
    audit.record("auth.other", "other kind", admin)
    mine = audit.recent(admin, "auth.thing")
    assert len(mine) == 10 and mine[0].message == "mine 11"
    assert [e.message for e in audit.recent(other, "auth.thing")] == ["theirs"]


def test_the_dashboard_shows_the_five_latest_changes(logged_in):
    for n in range(7):
        audit.record("test.dash", f"change number {n}")
    page = logged_in.get("/").get_data(as_text=True)
    assert "change number 6" in page and "change number 2" in page and "change number 1" not in page
