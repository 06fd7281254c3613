"""The Logs page beyond the first screen: paging with its filters kept, the process and level
filters, following with nothing new, links to what a record was about, and what the store keeps
(exceptions, oversized messages, huey's chatter, records it cannot write)."""
from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest

from plexportal.lib import clock
from plexportal.ops import logstore, logview
from plexportal.ops.models import LogRecord


def record(message, *, level="INFO", levelno=20, area="media", process="web", kind="", ident=None, at=None):
    return LogRecord.create(at=at or clock.now(), process=process, level=level, levelno=levelno, area=area,
                            logger=f"plexportal.{area}", message=message, subject_kind=kind, subject_id=ident)


def messages_in(html: str) -> list[str]:
    return re.findall(r'<span class="log-msg">([^<]*)</span>', html)


def test_older_records_are_a_page_away_and_the_filters_stay(logged_in):
    for i in range(130):
        record(f"media line {i}", area="media")
        record(f"notify line {i}", area="notify")
    first = logged_in.get("/ops/logs?area=media").get_data(as_text=True)
    shown = messages_in(first)
    assert len(shown) == logview.PAGE and shown[0] == "media line 129" and shown[-1] == "media line 30"
    older = re.search(r'href="(/ops/logs\?before=\d+&amp;area=media)">Older', first)
    assert older, "no Older link carrying the area filter"
    second = logged_in.get(older.group(1).replace("&amp;", "&")).get_data(as_text=True)
    shown = messages_in(second)
    assert shown[0] == "media line 29" and shown[-1] == "media line 0" and len(shown) == 30
    assert "Older →" not in second and 'href="/ops/logs?area=media">← Newest' in second
    assert not any(m.startswith("notify") for m in shown)


def test_the_process_filter_and_a_nonsense_level(logged_in):
    record("from the web", process="web")
    record("from the worker", process="worker", level="WARNING", levelno=30)
    record("from a command", process="cli", level="ERROR", levelno=40)
    assert messages_in(logged_in.get("/ops/logs?process=worker").get_data(as_text=True)) == ["from the worker"]
    # A level that is not one of the choices shows everything rather than failing.
    for level in ("abc", "25", "-1", "99999999999999999999"):
        r = logged_in.get(f"/ops/logs?level={level}")
        assert r.status_code == 200 and len(messages_in(r.get_data(as_text=True))) == 3
    assert messages_in(logged_in.get("/ops/logs?level=30").get_data(as_text=True)) == ["from a command",
                                                                                       "from the worker"]


def test_following_with_nothing_new_keeps_its_place(logged_in):
    latest = record("only one").id
    frag = logged_in.client.get(f"/ops/logs?follow=1&after={latest}", headers={"HX-Request": "true"})
    html = frag.get_data(as_text=True)
    assert frag.status_code == 200 and "only one" not in html and f"after={latest}" in html
    # Without HX-Request the same address is the whole page (a reload of a followed page).
    page = logged_in.get(f"/ops/logs?follow=1&after={latest}").get_data(as_text=True)
    assert "<html" in page and "only one" in page


def test_each_record_links_to_what_it_was_about(logged_in, app):
    from flask import url_for

    from plexportal.invites import service as invites

    invite = invites.create_invite({"label": "Family", "max_uses": 1})
    record("message failed", kind="message", ident=12)
    record("invite changed", kind="invite", ident=invite.id)
    record("batch sent", kind="batch", ident=4)
    record("backup ran", kind="backupjob", ident=5)
    record("seerr synced", kind="sync", ident=6)
    record("self backup", kind="selfbackup", ident=1)
    record("gone redemption", kind="redemption", ident=999)
    record("strange subject", kind="martian", ident=1)
    page = logged_in.get("/ops/logs").get_data(as_text=True)
    with app.test_request_context():
        expected = {"Message 12": url_for("notify.notifications") + "#n-12",
                    f"Invite {invite.id}": url_for("invites.detail", invite_id=invite.id),
                    "Invite batch 4": url_for("invites.batch_detail", batch_id=4),
                    "Backup run 5": url_for("backups.job_output", job_id=5),
                    "Seerr sync 6": url_for("media.sync_progress", run_id=6),
                    "plexportal backups": url_for("ops.data")}
    for label, href in expected.items():
        assert f'href="{href}">{label} →' in page, label
    links = re.findall(r'class="log-about small" href="[^"]*">([^<]*) →', page)
    assert sorted(links) == sorted(expected)          # the gone redemption and the unknown kind: no link


def test_a_record_about_an_invite_use_links_to_its_invite(logged_in, db):
    from plexportal.invites import service as invites
    from plexportal.invites.models import Redemption

    invite = invites.create_invite({"label": "Friends", "max_uses": 3})
    redemption = Redemption.create(invite=invite, account_key="name:zoe", identifier="zoe@example.com")
    record("joined", kind="redemption", ident=redemption.id)
    page = logged_in.get("/ops/logs").get_data(as_text=True)
    assert f'href="/invites/{invite.id}">Invite use {redemption.id} →' in page


def test_the_handler_keeps_tracebacks_cuts_long_messages_and_skips_huey_chatter(db, caplog):
    caplog.set_level(logging.INFO)
    log = logging.getLogger("plexportal.notify.send")
    try:
        raise ValueError("smtp said 554")
    except ValueError:
        log.exception("delivery failed")
    log.info("x" * 20000)
    logging.getLogger("huey.consumer").info("Executing plexportal.notify.tasks.send_task")
    logging.getLogger("huey.consumer").warning("worker 2 died")
    log.info("about a message", extra={"subject": ("message", 7)})
    log.info("malformed subject", extra={"subject": "message 7"})
    log.info("subject without a number", extra={"subject": ("message", "7")})
    logstore.flush()
    rows = {r.message.split("\n")[0][:40]: r for r in LogRecord.select()}
    failed = rows["delivery failed"]
    assert failed.level == "ERROR" and "Traceback" in failed.message and "ValueError: smtp said 554" in failed.message
    assert len(rows["x" * 40].message) == logstore.MESSAGE_LIMIT
    assert "Executing plexportal.notify.tasks.send_task" not in rows
    assert rows["worker 2 died"].area == "worker" and rows["worker 2 died"].level == "WARNING"
    assert (rows["about a message"].subject_kind, rows["about a message"].subject_id) == ("message", 7)
    assert (rows["malformed subject"].subject_kind, rows["malformed subject"].subject_id) == ("", None)
    assert rows["subject without a number"].subject_id is None


@pytest.mark.parametrize("name, area", [("plexportal.media.tasks", "media"), ("plexportal", "app"),
                                        ("huey.consumer", "worker"), ("gunicorn.error", "web"),
                                        ("urllib3.connectionpool", "urllib3")])
def test_records_are_filed_under_their_area(name, area):
    assert logstore.area_of(name) == area


@pytest.mark.sqlite_only
def test_a_store_that_cannot_be_written_drops_records_and_says_so_once(db, caplog, capsys, monkeypatch):
    caplog.set_level(logging.INFO)
    monkeypatch.setattr(logstore._state, "warned", False)
    db.execute_sql("ALTER TABLE log_record RENAME TO log_record_away")
    try:
        logging.getLogger("plexportal.media").info("lost record")
        assert logstore.flush() == 0
        logging.getLogger("plexportal.media").info("another lost record")
        assert logstore.flush() == 0
    finally:
        db.execute_sql("ALTER TABLE log_record_away RENAME TO log_record")
    err = capsys.readouterr().err
    assert err.count("the Logs page store is not available") == 1
    logging.getLogger("plexportal.media").info("written again")
    assert logstore.flush() == 1
    assert [r.message for r in LogRecord.select()] == ["written again"]


def test_the_newest_id_and_areas_come_from_what_is_stored(db):
    assert logview.newest_id() == 0 and logview.areas() == []
    record("a", area="media", at=clock.now() - timedelta(minutes=1))
    last = record("b", area="backups")
    record("c", area="")
    assert logview.newest_id() == last.id + 1
    assert logview.areas() == ["backups", "media"]
