"""A reported problem's life told to the reporter, from Seerr's ISSUE_* webhooks (bodies from the
fake Seerr in the default template's wire format), delivered through the real SMTP server."""
from datetime import timedelta

import pytest

from plexportal.health import issue_messages
from plexportal.health.monitors import issue_fix
from plexportal.lib import clock
from plexportal.media import service
from plexportal.notify import prefs, send
from plexportal.notify.models import Notification


@pytest.fixture
def bob(make_user):
    return make_user("bob", email="Bob@Example.com")


def later():
    clock.freeze(clock.now() + timedelta(minutes=21))
    return send.send_due()


def test_it_quotes_a_reply_to_the_reporter_and_batches_several(stack, seerr, hooks, bob, set_settings):
    set_settings(SERVER_NAME="Harbour Server")
    issue = seerr.add_issue(9, issue_type=2, season=1, episode=3)
    hooks("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    hooks("seerr", seerr.webhook_for(issue, "ISSUE_COMMENT", "Which device do you watch on?"))
    hooks("seerr", seerr.webhook_for(issue, "ISSUE_COMMENT", "Found it: a bad file, replacing it."))
    assert later()["sent"] >= 1
    mails = [m for m in stack["smtp"].wait_for(1) if m["To"] == "Bob@Example.com"]
    [msg] = mails
    assert msg["Subject"] == "New reply about your report: The Example Show S01E03"
    text = msg.get_body(("plain",)).get_content()
    assert "admin replied about the audio problem you reported with The Example Show S01E03:" in text
    assert '"Which device do you watch on?" (admin)' in text
    assert '"Found it: a bad file, replacing it." (admin)' in text


def test_it_tells_nobody_about_plexportals_own_comment_or_the_reporters_own(stack, seerr, hooks, bob):
    issue = seerr.add_issue(9)
    hooks("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    hooks("seerr", seerr.webhook_for(issue, "ISSUE_COMMENT", f"{issue_fix.MARK} A replacement is on its way."))
    own = seerr.webhook_for(issue, "ISSUE_COMMENT", "It also stutters.")
    own["comment"]["commentedBy_email"] = "bob@example.com"
    hooks("seerr", own)
    assert Notification.select().where(Notification.kind == issue_messages.REPLY).count() == 0


def test_it_says_solved_once_and_not_when_plexportal_fixed_it_itself(stack, seerr, hooks, bob):
    first, second = seerr.add_issue(9), seerr.add_issue(10)
    for issue in (first, second):
        hooks("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    event = hooks("seerr", seerr.webhook_for(first, "ISSUE_RESOLVED"))
    service.process_event(event.id, force=True)             # reprocessed: nothing new
    issue_fix.IssueFix.update(state="resolved").where(issue_fix.IssueFix.seerr_issue_id == 10).execute()
    hooks("seerr", seerr.webhook_for(second, "ISSUE_RESOLVED"))   # our own resolution coming back
    later()
    solved = [m for m in stack["smtp"].wait_for(1) if m["Subject"].startswith("Marked as solved")]
    assert [m["Subject"] for m in solved] == ["Marked as solved: The Example Show"]
    assert Notification.select().where(Notification.kind == issue_messages.RESOLVED).count() == 1


def test_it_sends_receipts_only_to_people_who_want_them(stack, seerr, hooks, bob):
    issue = seerr.add_issue(9, issue_type=1)
    hooks("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    assert Notification.select().where(Notification.kind == issue_messages.REPORTED).count() == 0
    prefs.set_email_events(bob, {issue_messages.REPORTED: True})
    hooks("seerr", {**seerr.webhook_for(seerr.add_issue(11, issue_type=1), "ISSUE_CREATED")})
    later()
    [msg] = [m for m in stack["smtp"].wait_for(1) if m["To"] == "Bob@Example.com"]
    assert msg["Subject"] == "Problem report received: The Example Show"
    assert "your report of the video problem with The Example Show reached" in msg.get_body(("plain",)).get_content()


def test_it_tells_nobody_it_cannot_match_by_email(stack, seerr, hooks):
    issue = seerr.add_issue(9, reporter={"id": 7, "displayName": "ghost", "email": "ghost@example.com"})
    hooks("seerr", seerr.webhook_for(issue, "ISSUE_CREATED"))
    hooks("seerr", seerr.webhook_for(issue, "ISSUE_COMMENT", "Hello?"))
    assert Notification.select().where(Notification.kind.startswith("media.issue_")).count() == 0
