"""People's words, not ids: the audit log names libraries, the Notifications list names kinds."""
from __future__ import annotations

import re

import pytest

from tests.e2e.inprocess import DESKTOP, save_shot, signed_in_page
from tests.invites.conftest import fake_plextv, fake_pms, plex  # noqa: F401 - fixtures

pytestmark = pytest.mark.e2e

PHONE_360 = {"width": 360, "height": 740}


@pytest.mark.parametrize("size", ["phone360", "desktop"])
def test_the_audit_log_and_the_outbox_speak_in_names(app, admin, plex, browser, serve, size):
    from plexportal.invites import provisioning, service
    from plexportal.notify import service as notify
    from plexportal.notify.models import Notification

    provisioning.refresh_libraries()
    names = {lib.section_id: lib.title for lib in service.libraries()}
    invite = service.create_invite({"libraries": [1001, 1002]})
    service.redeem_invite(invite.id, service.Claimant(account_key="plex:42", identifier="friend@example.com",
                                                      via="plex", plex_user_id=42, plex_username="friend",
                                                      email="friend@example.com", user_token="t"))
    Notification.create(kind="media.ready", destination="friend@example.com", subject="", status="sent",
                        payload={"title": "The Quiet Harbour"})
    notify.queue_admin_alert("Backup failed", "rsync code 23", kind="backups.alert")

    base = serve(app)
    page, errors = signed_in_page(browser, base, PHONE_360 if size == "phone360" else DESKTOP)
    page.goto(base + "/audit")
    audit = page.inner_text("main")
    shared = [line for line in audit.splitlines() if "Shared the server with friend@example.com" in line]
    assert shared, audit
    assert f"({names[1001]}, {names[1002]})" in shared[0]
    assert not re.search(r"\[\d{3,}", audit), "an id list is shown in the audit log"
    save_shot(page, f"peoples-words-{size}-audit")

    page.goto(base + "/notify/")
    outbox = page.inner_text("main")
    assert "Ready to watch" in outbox and "Backup alert" in outbox
    assert "media.ready" not in outbox and "backups.alert" not in outbox
    kinds = page.locator("select[name=kind] option").all_inner_texts()
    assert "Ready to watch" in kinds and not [k for k in kinds if re.fullmatch(r"[a-z_]+\.[a-z_.-]+", k)]
    save_shot(page, f"peoples-words-{size}-notifications")
    assert not errors
