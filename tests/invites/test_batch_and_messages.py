"""Batches, emails and figures beyond the basics: uploads that are too big or missing, the
default preset for rows without one, a batch that failed halfway, who gets which email and in
which words, and the Prometheus figures of invites and monitors."""
from __future__ import annotations

import io
from datetime import UTC

import pytest

from plexportal.invites import batch, messages, service
from plexportal.invites.models import Access, Batch, Preset, Redemption
from plexportal.notify.models import Notification


def upload(web, data: bytes | None, name="people.csv"):
    form = {"file": (io.BytesIO(data), name)} if data is not None else {}
    return web.post("/invites/batch", data=form, content_type="multipart/form-data", htmx=True)


def test_an_upload_without_a_file_asks_for_one(logged_in, plex):
    r = upload(logged_in, None)
    assert r.status_code == 422 and "Choose a CSV file to upload." in r.get_data(as_text=True)
    r = upload(logged_in, b"a@example.com\n", name="")
    assert r.status_code == 422 and Batch.select().count() == 0


def test_a_file_with_more_than_a_thousand_rows_is_refused_whole(db):
    data = "".join(f"p{n}@example.com\n" for n in range(batch.MAX_ROWS + 1)).encode()
    with pytest.raises(ValueError, match="At most 1000 rows per file"):
        batch.parse_csv(data)
    assert len(batch.parse_csv(data[: data.index(b"p1000@")])) == 1000


def test_columns_are_found_by_their_header_in_any_order_and_a_bom_is_ignored(db):
    service.save_preset({"name": "Family", "libraries": []})
    rows = batch.parse_csv("\ufefflabel,E-mail,preset\ncousin,a@example.com,family\n".encode())
    assert rows == [{"line": 2, "email": "a@example.com", "preset": "family", "label": "cousin", "error": ""}]


def test_a_contacts_export_with_the_address_in_the_second_column_is_read(db):
    rows = batch.parse_csv(b"Name,E-mail Address,Phone\nAunt May,may@example.com,555\n")
    assert [(r["line"], r["email"], r["error"]) for r in rows] == [(2, "may@example.com", "")]


def test_a_first_row_of_addresses_is_data_not_a_header(db):
    rows = batch.parse_csv(b"email@example.com,family\nb@example.com\n")
    assert [r["email"] for r in rows] == ["email@example.com", "b@example.com"]


def test_short_rows_and_blank_lines_are_read_not_crashed_on(db):
    rows = batch.parse_csv(b"email,preset,label\n\na@example.com\n,,\nB@Example.com,,x\nb@example.com\n")
    assert [(r["line"], r["email"], r["error"]) for r in rows] == [
        (3, "a@example.com", ""), (5, "B@Example.com", ""), (6, "b@example.com", "listed twice")]


def test_rows_without_a_preset_get_the_default_one(logged_in, plex, set_settings, monkeypatch):
    monkeypatch.setattr(service, "enqueue_provisioning", lambda rid: None)
    Preset.create(name="Family", libraries=[1002], allow_sync=True, access_days=30)
    set_settings(INVITES_DEFAULT_PRESET="family")
    b = batch.create("x.csv", b"a@example.com\n")
    assert batch.send(b.id) == 1
    r = Redemption.get()
    assert r.terms["libraries"] == [1002] and r.terms["access_days"] == 30 and r.via == "batch"


def test_a_batch_with_only_bad_rows_sends_nothing_and_says_complete(db, plex):
    b = batch.create("x.csv", b"nope\nalso-nope\n")
    assert batch.send(b.id) == 0
    p = batch.progress(Batch.get_by_id(b.id))
    assert (p["total"], p["counts"]["skipped"], p["complete"]) == (0, 2, True)


def test_the_progress_counts_failures_and_finishes(db, plex, monkeypatch):
    monkeypatch.setattr(service, "enqueue_provisioning", lambda rid: None)
    b = batch.create("x.csv", b"a@example.com\nb@example.com\n")
    batch.send(b.id)
    Redemption.update(state="failed").where(Redemption.identifier == "a@example.com").execute()
    Redemption.update(state="active").where(Redemption.identifier == "b@example.com").execute()
    p = batch.progress(Batch.get_by_id(b.id))
    assert p["counts"] == {"done": 1, "failed": 1, "working": 0, "skipped": 0} and p["complete"] is True
    assert [row["outcome"] for row in p["rows"]] == ["failed", "active"]


def test_sending_an_unknown_batch_is_404_and_an_old_one_is_not_sent_again(logged_in, plex, monkeypatch):
    monkeypatch.setattr(service, "enqueue_provisioning", lambda rid: None)
    assert logged_in.post("/invites/batch/999/send", htmx=True).status_code == 404
    assert logged_in.get("/invites/batch/999").status_code == 404
    b = batch.create("x.csv", b"a@example.com\n")
    batch.send(b.id)
    r = logged_in.post(f"/invites/batch/{b.id}/send", htmx=True)
    assert r.headers["HX-Redirect"] == f"/invites/batch/{b.id}" and Redemption.select().count() == 1


# -- emails ------------------------------------------------------------------------------------------

def emails(kind):
    return list(Notification.select().where(Notification.kind == kind))


def test_nobody_without_an_address_is_emailed(db, plex, set_settings):
    set_settings(SERVER_NAME="Harbour Server")
    r = Redemption.create(account_key="name:x", identifier="friend", via="form", terms={}, state="active", email="")
    messages.send_welcome(r)
    messages.send_decision(r, approved=True)
    assert Notification.select().count() == 0


def test_a_welcome_for_someone_who_typed_their_name_says_to_accept_plexs_email_first(db, plex, set_settings):
    set_settings(SERVER_NAME="Harbour Server", INVITES_REQUEST_URL="https://requests.example.com")
    typed = Redemption.create(account_key="name:f", identifier="friend", via="form", terms={}, state="invited",
                              email="friend@example.com")
    messages.send_welcome(typed)
    [welcome] = emails("invites.welcome")
    assert "Plex has sent you an email to accept the invitation: accept it first." in welcome.text_body
    assert "Ask for it at https://requests.example.com" in welcome.text_body
    assert welcome.text_body.endswith("— Harbour Server")
    assert "Open Plex" in welcome.html_body
    messages.send_welcome(typed)                                       # the same welcome is never queued twice
    assert len(emails("invites.welcome")) == 1


def test_a_welcome_for_someone_signed_in_with_plex_skips_the_accept_step(db, plex, set_settings):
    set_settings(SERVER_NAME="Harbour Server")
    r = Redemption.create(account_key="plex:42", identifier="f@example.com", via="plex", terms={}, state="active",
                          email="f@example.com", plex_username="friend")
    messages.send_welcome(r)
    [welcome] = emails("invites.welcome")
    assert "accept it first" not in welcome.text_body and "(friend)" in welcome.text_body
    assert "Ask for it at" not in welcome.text_body


def test_the_reminder_names_the_day_access_ends(db, plex, set_settings):
    from datetime import datetime

    set_settings(SERVER_NAME="Harbour Server")
    a = Access.create(plex_user_id=42, username="friend", email="friend@example.com", status="active",
                      expires_at=datetime(2026, 8, 9, 10, tzinfo=UTC))
    messages.send_expiry_reminder(a)
    [n] = emails("invites.expiring")
    assert n.subject == "Your access to Harbour Server ends soon" and "ends on 2026-08-09" in n.text_body


def test_a_server_name_with_markup_is_escaped_in_the_html_email(db, plex, set_settings):
    set_settings(SERVER_NAME="<b>Harbour</b>")
    r = Redemption.create(account_key="plex:42", identifier="f@example.com", via="plex", terms={}, state="active",
                          email="f@example.com")
    messages.send_decision(r, approved=False)
    [n] = emails("invites.decision")
    assert "<b>Harbour</b>" not in n.html_body and "&lt;b&gt;Harbour&lt;/b&gt;" in n.html_body


# -- figures ----------------------------------------------------------------------------------------------

def test_invite_and_monitor_figures_are_counted_by_state(db, client, set_settings):
    from plexportal.health.models import MonitorRun
    from plexportal.ops import metrics

    for state in ("active", "active", "failed", "awaiting_approval"):
        Redemption.create(account_key=f"k:{state}:{Redemption.select().count()}", identifier="x", via="form",
                          terms={}, state=state)
    MonitorRun.create(monitor="stuck", status="ok")
    MonitorRun.create(monitor="stuck", status="error")
    set_settings(METRICS_ENABLED="true", METRICS_TOKEN="metrics-token-0123456789")
    metrics.reset_cache()
    text = client.get("/metrics", headers={"Authorization": "Bearer metrics-token-0123456789"}).get_data(as_text=True)
    assert 'plexportal_invites_redeemed_total{state="active"} 2.0' in text
    assert 'plexportal_invites_redeemed_total{state="awaiting_approval"} 1.0' in text
    assert "plexportal_provisioning_failures_total 1.0" in text
    assert 'plexportal_monitor_runs_total{monitor="stuck",status="error"} 1.0' in text
    assert 'plexportal_metrics_collector_up{area="invites"} 1.0' in text
