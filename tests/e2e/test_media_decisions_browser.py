"""The Approve link from the admin's email, in Chromium at phone size: the confirmation page, the
decision reaching (the fake) Seerr, then the other link refusing; and the dashboard's buttons."""
from __future__ import annotations

import json
import re

import pytest

from tests.conftest import PASSWORD
from tests.e2e.inprocess import DESKTOP, PHONE, save_shot, signed_in_page, watch_console

pytestmark = [pytest.mark.e2e, pytest.mark.sqlite_only]


@pytest.fixture
def served(serve, app_factory, smtp_server, fake_seerr):
    from plexportal.auth import service
    from plexportal.settings import service as settings

    app = app_factory()
    base = serve(app)
    fake_seerr.add_user(3, "alice", "alice@example.com")
    fake_seerr.add_title("movie", 550123, "Paper Lanterns", 2024, poster=None)
    fake_seerr.add_title("movie", 550124, "The Quiet Harbour", 2023, poster=None)
    with app.app_context():
        service.create_admin("admin", PASSWORD)
        settings.set_many({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_server.port), "SMTP_SECURITY": "none",
                           "SMTP_FROM": "portal@example.com", "SERVER_NAME": "Harbour Server",
                           "ADMIN_EMAIL": "owner@example.com", "BASE_URL": base, "SEERR_URL": fake_seerr.url,
                           "SEERR_API_KEY": fake_seerr.api_key})
    return base, app


def pending(app, fake_seerr, rid, tmdb):
    from plexportal.db import db
    from plexportal.media import service

    row = fake_seerr.add_request(rid, "movie", tmdb, 3, status=1, media_status=2)
    with app.app_context(), db.connection_context():
        recorded = service.record_webhook("seerr", json.dumps(fake_seerr.request_webhook(row, "MEDIA_PENDING")).encode())
        service.process_event(recorded.event_id)


def test_it_approves_from_the_emailed_link_on_a_phone(served, browser, smtp_server, fake_seerr):
    _base, app = served
    pending(app, fake_seerr, 17, 550123)
    [mail] = smtp_server.wait_for(1)
    text = mail.get_body(("plain",)).get_content()
    approve, decline = re.search(r"Approve: (\S+)", text).group(1), re.search(r"Decline: (\S+)", text).group(1)
    page = browser.new_context(viewport=PHONE, is_mobile=True).new_page()
    errors = watch_console(page)
    page.goto(approve)
    page.get_by_role("heading", name="Approve this request?").wait_for()
    assert fake_seerr.decision_calls == []                  # opening the link decides nothing
    save_shot(page, "media-approve-link-phone-1-confirm")
    page.get_by_role("button", name="Approve").click()
    page.locator(".decision", has_text="Seerr has it").wait_for()
    assert fake_seerr.decision_calls == [(17, "approve")]
    save_shot(page, "media-approve-link-phone-2-done")
    page.goto(decline)
    page.get_by_text("This link was already used").wait_for()
    assert page.get_by_role("button", name="Decline").count() == 0
    assert fake_seerr.decision_calls == [(17, "approve")]
    # The used link's page answers 409 on purpose; anything else logged would be a bug.
    assert [e for e in errors if "status of 409" not in e] == []


def test_it_declines_from_the_dashboard_after_asking(served, browser, fake_seerr):
    base, app = served
    pending(app, fake_seerr, 18, 550124)
    page, errors = signed_in_page(browser, base, DESKTOP)
    page.goto(base + "/")
    item = page.locator(".waiting-approval li", has_text="The Quiet Harbour")
    item.wait_for()
    page.once("dialog", lambda d: d.accept())
    item.get_by_role("button", name="Decline").click()
    item.locator(".decision", has_text="Declined").wait_for()
    assert fake_seerr.decision_calls == [(18, "decline")]
    save_shot(page, "media-dashboard-decline-desktop")
    assert errors == []
