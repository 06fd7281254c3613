"""The smaller findings: huge ids, what public pages show, audit addresses, no-store on token pages."""
from __future__ import annotations

import re

import pytest

HUGE = "99999999999999999999"


def _paths(app, method="GET"):
    for rule in app.url_map.iter_rules():
        if method not in rule.methods or rule.endpoint == "static":
            continue
        if "<int:" not in rule.rule:
            continue
        path = re.sub(r"<int:[^>]+>", HUGE, rule.rule)
        path = re.sub(r"<(?:string:)?token>", "t", path)
        path = re.sub(r"<[^>]+>", "x", path)
        yield path


def test_ids_out_of_range_answer_404_not_500(app, logged_in):
    paths = list(_paths(app))
    assert len(paths) > 5
    for path in paths:
        r = logged_in.get(path)
        assert r.status_code == 404, (path, r.status_code)
    for path in _paths(app, "POST"):
        r = logged_in.post(path, htmx=True)
        assert r.status_code == 404, (path, r.status_code)


@pytest.mark.parametrize("path", ["/audit?page=" + HUGE, "/backups/history?page=" + HUGE, "/notify/?page=" + HUGE,
                                  "/media/requests?page=" + HUGE, "/media/inbox?page=" + HUGE,
                                  "/invites/new?preset=" + HUGE, "/api/v1/requests?offset=" + HUGE,
                                  "/media/requests?user=" + HUGE, "/notify/?user=" + HUGE])
def test_huge_numbers_in_the_query_never_give_a_500(logged_in, set_settings, path):
    set_settings(API_KEY="k" * 32)
    r = logged_in.get(path, headers={"X-Api-Key": "k" * 32})
    assert r.status_code < 500, (path, r.status_code)


def test_public_pages_show_neither_the_version_nor_anything_from_the_secret_key(client, app, db, admin):
    import hashlib
    import uuid

    from plexportal import __version__
    from plexportal.invites import service as invites

    invite = invites.create_invite({"max_uses": 1})
    secret = app.config["SECRET_KEY"]
    derived = {str(uuid.uuid5(uuid.NAMESPACE_URL, "plexportal:" + secret)), hashlib.sha256(secret.encode()).hexdigest()}
    for path in (f"/join/{invite.code}", "/auth/login", "/nothing-here", "/notify/link-gone"):
        html = client.get(path).get_data(as_text=True)
        assert f"plexportal {__version__}" not in html, path
        for value in derived:
            assert value not in html, path


def test_the_admin_still_sees_the_version(logged_in):
    from plexportal import __version__

    assert f"plexportal {__version__}" in logged_in.get("/").get_data(as_text=True)


def test_audit_entries_record_the_client_address_and_the_bypass(app, admin, set_settings):
    from plexportal.admin.models import AuditEntry
    from tests.conftest import Browserless

    set_settings(LOCAL_BYPASS_CIDRS="192.168.1.0/24")
    lan = Browserless(app.test_client())
    lan.get("/settings/", environ_base={"REMOTE_ADDR": "192.168.1.20"})
    r = lan.post("/settings/group/General", data={"SERVER_NAME": "Harbour", "TIMEZONE": "UTC"}, htmx=True,
                 environ_base={"REMOTE_ADDR": "192.168.1.20"})
    assert r.status_code == 200
    entry = AuditEntry.select().order_by(AuditEntry.id.desc()).get()
    assert entry.ip == "192.168.1.20" and entry.via_bypass is True
    page = lan.get("/audit", environ_base={"REMOTE_ADDR": "192.168.1.20"}).get_data(as_text=True)
    assert "192.168.1.20" in page and "local-network bypass" in page


def test_audit_entries_of_a_signed_in_admin_are_not_marked_bypass(logged_in):
    from plexportal.admin.models import AuditEntry

    logged_in.post("/settings/group/General", data={"SERVER_NAME": "Harbour", "TIMEZONE": "UTC"}, htmx=True)
    entry = AuditEntry.select().order_by(AuditEntry.id.desc()).get()
    assert entry.ip == "127.0.0.1" and entry.via_bypass is False


def test_pages_that_carry_a_token_are_not_cached(client, make_user, db, admin):
    from plexportal.invites import service as invites
    from plexportal.notify import links

    ana = make_user("ana")
    invite = invites.create_invite({"max_uses": 1})
    for path in (f"/notify/u/{links.make_token(ana)}", f"/notify/unsubscribe/{links.make_token(ana, links.UNSUBSCRIBE_SALT)}",
                 f"/join/{invite.code}", "/notify/u/bogus-token"):
        r = client.get(path)
        assert r.headers.get("Cache-Control") == "no-store", (path, r.headers.get("Cache-Control"))
