"""Admins approve or decline a pending request from the message (signed single-use links, a
confirmation page, Seerr's API) or from the dashboard. Seerr is the fake (its request webhooks and
approve/decline endpoints), mail goes through the real SMTP server and is parsed back."""
import re
from datetime import timedelta

import pytest

from plexportal.admin.models import AuditEntry
from plexportal.lib import clock
from plexportal.media import decisions, lifecycle
from plexportal.media.models import DecisionLink, MediaRequest, RequestDecision
from plexportal.notify import send
from tests.conftest import Browserless, csrf_from


@pytest.fixture
def setup(set_settings, smtp_server, fake_seerr):
    set_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.port), SMTP_SECURITY="none",
                 SMTP_FROM="portal@example.com", BASE_URL="https://portal.example.com", SERVER_NAME="Harbour Server",
                 ADMIN_EMAIL="owner@example.com", SEERR_URL=fake_seerr.url, SEERR_API_KEY=fake_seerr.api_key)
    fake_seerr.add_user(3, "alice", "alice@example.com")
    fake_seerr.add_title("movie", 550123, "Paper Lanterns", 2024)
    return fake_seerr


@pytest.fixture
def pending(setup, hooks, smtp_server):
    """A pending request whose alert reached the owner: (seerr row, our request, approve url, decline url)."""
    row = setup.add_request(17, "movie", 550123, 3, status=1, media_status=2)
    hooks("seerr", setup.request_webhook(row, "MEDIA_PENDING"))
    [mail] = smtp_server.wait_for(1)
    text = mail.get_body(("plain",)).get_content()
    approve = re.search(r"Approve: (\S+)", text).group(1)
    decline = re.search(r"Decline: (\S+)", text).group(1)
    return row, MediaRequest.get(MediaRequest.seerr_request_id == 17), approve, decline


@pytest.fixture
def fake(setup):
    return setup


def path(url):
    return url.replace("https://portal.example.com", "")


def confirm(client, url, **form):
    browser = Browserless(client)
    page = browser.get(path(url))
    assert page.status_code == 200, page.get_data(as_text=True)
    return client.post(path(url), data={"csrf_token": csrf_from(page.get_data(as_text=True)), **form})


def test_the_admins_get_the_pending_request_with_both_buttons(pending, smtp_server):
    _, req, approve, decline = pending
    [mail] = smtp_server.messages
    assert mail["To"] == "owner@example.com"
    assert mail["Subject"] == "Waiting for your approval: Paper Lanterns (2024), asked for by alice"
    html = mail.get_body(("html",)).get_content()
    assert f'href="{approve}"' in html and f'href="{decline}"' in html
    assert approve.startswith("https://portal.example.com/media/decide/") and approve != decline
    assert "works once, for 7 days" in mail.get_body(("plain",)).get_content()
    assert DecisionLink.select().where(DecisionLink.request == req).count() == 2


@pytest.fixture
def german_default(setup, set_settings):
    set_settings(DEFAULT_LANGUAGE="de")


def test_the_admins_approval_email_stays_english_on_a_german_server(german_default, pending, smtp_server):
    [mail] = smtp_server.messages
    plain, html = mail.get_body(("plain",)).get_content(), mail.get_body(("html",)).get_content()
    assert "alice asked for the film Paper Lanterns (2024). It waits for your approval." in plain
    assert ">Approve</a>" in html and ">Decline</a>" in html and "Asked for by <strong>alice</strong>" in html
    assert "Poster of Paper Lanterns" in html and "Poster von" not in html  # the catalogue has German for it


def test_opening_a_link_asks_and_changes_nothing(pending, client):
    _row, req, approve, _ = pending
    page = client.get(path(approve))
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Approve this request?" in text and "Paper Lanterns" in text
    assert MediaRequest.get_by_id(req.id).status == "pending" and RequestDecision.select().count() == 0


def test_approving_through_the_link_calls_seerr_once_and_records_it(pending, fake, client, hooks):
    _row, req, approve, decline = pending
    response = confirm(client, approve)
    assert response.status_code == 303
    assert fake.decision_calls == [(17, "approve")]
    assert MediaRequest.get_by_id(req.id).status == "approved"
    page = client.get(path(approve)).get_data(as_text=True)
    assert "Seerr has it" in page and "Approve this request?" not in page
    entries = [e.message for e in AuditEntry.select().order_by(AuditEntry.id)]
    assert any("Approve Paper Lanterns (Seerr request #17), through the emailed link" in m for m in entries)
    assert any("Seerr has it" in m for m in entries)
    # Used twice, or the other button afterwards: a page that says so, and no second call.
    again = client.post(path(approve), data={"csrf_token": csrf_from(client.get(path(approve)).get_data(as_text=True))})
    assert again.status_code == 409 and "already used" in again.get_data(as_text=True)
    other = client.get(path(decline))
    assert other.status_code == 409 and "already used" in other.get_data(as_text=True)
    assert fake.decision_calls == [(17, "approve")]
    # Seerr's own MEDIA_APPROVED coming back changes nothing more.
    hooks("seerr", fake.sent_webhooks[-1])
    assert MediaRequest.get_by_id(req.id).status == "approved"


def test_a_declined_request_tells_the_requester_the_admins_reason(pending, fake, client, hooks, smtp_server):
    _row, _req, _, decline = pending
    assert "Reason (optional" in client.get(path(decline)).get_data(as_text=True)
    confirm(client, decline, reason="We already have it on disc.")
    assert fake.decision_calls == [(17, "decline")]
    hooks("seerr", fake.sent_webhooks[-1])                 # Seerr's MEDIA_DECLINED
    clock.freeze(clock.now() + timedelta(minutes=21))
    send.send_due()
    mails = [m for m in smtp_server.wait_for(2) if m["To"] == "alice@example.com"]
    [mail] = mails
    assert mail["Subject"] == "Declined: Paper Lanterns (2024)"
    assert '"We already have it on disc."' in mail.get_body(("plain",)).get_content()


def test_a_tampered_link_is_refused_and_changes_nothing(pending, fake, client):
    _, _req, approve, _ = pending
    token = approve.rsplit("/", 1)[1]
    forged = approve.rsplit("/", 1)[0] + "/" + token[:-3] + ("abc" if not token.endswith("abc") else "xyz")
    page = client.get(path(forged))
    assert page.status_code == 400 and "not valid" in page.get_data(as_text=True)
    post = client.post(path(forged), data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert post.status_code == 400
    assert RequestDecision.select().count() == 0 and fake.decision_calls == []


def test_an_expired_link_is_refused(pending, client):
    _, _req, approve, _ = pending
    clock.freeze(clock.now() + timedelta(days=7, minutes=1))
    page = client.get(path(approve))
    assert page.status_code == 410 and "expired" in page.get_data(as_text=True)
    assert RequestDecision.select().count() == 0


def test_a_request_seerr_no_longer_has_changes_nothing(pending, fake, client):
    row, req, approve, _ = pending
    fake.requests.remove(row)
    confirm(client, approve)
    decision = RequestDecision.get()
    assert decision.status == "gone"
    assert MediaRequest.get_by_id(req.id).status == "pending"
    page = client.get(path(approve)).get_data(as_text=True)
    assert "Seerr no longer has this request: nothing was changed" in page


def test_seerr_down_keeps_the_decision_and_tries_again(pending, fake, client):
    _row, req, approve, _ = pending
    fake.fail_decisions = 2
    confirm(client, approve)
    decision = RequestDecision.get()
    assert decision.status == "queued" and decision.attempts == 1 and "internal error (503)" in decision.last_error
    page = client.get(path(approve)).get_data(as_text=True)
    assert "Waiting" in page and "the decision is kept and tried again" in page
    assert MediaRequest.get_by_id(req.id).status == "pending"
    from plexportal.media.tasks import retry_decisions_task

    assert retry_decisions_task.call_local() == []          # not due yet: nothing is hammered
    clock.freeze(clock.now() + timedelta(seconds=31))
    assert retry_decisions_task.call_local() == ["queued"]
    clock.freeze(clock.now() + timedelta(minutes=2))
    assert retry_decisions_task.call_local() == ["done"]
    assert fake.decision_calls == [(17, "approve")] * 3
    assert MediaRequest.get_by_id(req.id).status == "approved"


def test_the_dashboard_lists_waiting_requests_with_the_two_buttons(pending, fake, admin_web):
    _row, req, _, _ = pending
    dash = admin_web.get("/").get_data(as_text=True)
    assert "Waiting for approval (1)" in dash and "Paper Lanterns (2024)" in dash
    assert f'hx-post="/media/requests/{req.id}/decide"' in dash
    r = admin_web.post(f"/media/requests/{req.id}/decide", data={"action": "approve"}, htmx=True)
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "Approved: Seerr has it." in body
    assert fake.decision_calls == [(17, "approve")]
    assert AuditEntry.select().where(AuditEntry.action == "media.approve", AuditEntry.actor_label == "admin").exists()
    # A second press (or the old emailed link) decides nothing.
    again = admin_web.post(f"/media/requests/{req.id}/decide", data={"action": "decline"}, htmx=True)
    assert "already approved (by admin)" in again.get_data(as_text=True)
    assert fake.decision_calls == [(17, "approve")]
    detail = admin_web.get(f"/media/requests/{req.id}").get_data(as_text=True)
    assert "Approved" in detail and "by admin" in detail and "Seerr has it" in detail


def test_a_replayed_pending_webhook_sends_no_second_alert(pending, fake, hooks, smtp_server):
    row, _req, _, _ = pending
    hooks("seerr", {**fake.request_webhook(row, "MEDIA_PENDING"), "message": "Replayed with a different overview."})
    assert len(smtp_server.messages) == 1
    assert DecisionLink.select().count() == 2


def test_the_requesters_pending_message_and_the_admin_alert_are_separate(pending):
    # The requester's "waiting for approval" is off by default; the admin alert is not a person's kind.
    from plexportal.notify.models import Notification

    assert Notification.select().where(Notification.kind == lifecycle.PENDING).count() == 0
    assert Notification.select().where(Notification.kind == decisions.ADMIN_KIND).count() == 1
