"""Every /api/v1 route: described in the OpenAPI document, answering what it describes, lists in one
envelope with a working next link, and a bad filter value refused with the parameter named."""
from __future__ import annotations

import re
from datetime import date, timedelta

import jsonschema
import pytest
from openapi_spec_validator import validate

from plexportal.api import openapi
from plexportal.lib import clock

KEY = "k" * 32
H = {"X-Api-Key": KEY}


@pytest.fixture
def seeded(db, set_settings, make_user):
    """Three of each listed thing, so every list has a second page at limit=2."""
    from plexportal.backups.models import BackupRun
    from plexportal.invites import service as invites
    from plexportal.media.models import Follower, MediaRequest, WebhookEvent
    from plexportal.notify.models import Notification

    set_settings(API_KEY=KEY)
    bob = make_user("bob")
    make_user("carol")
    make_user("dave")                       # three people for /api/v1/people
    for i in range(3):
        invites.create_invite({"label": f"Invite {i}", "max_uses": 2})
        WebhookEvent.create(source="sonarr", dedup_key=f"d{i}", event_type="Download", status="processed",
                            outcome="told 1 person")
        req = MediaRequest.create(media_type="tv", tvdb_id=100 + i, title=f"Show {i}", status="approved",
                                  seasons=[1], requested_by=bob)
        Follower.create(request=req, user=bob, role="requester")
        Notification.create(kind="media.ready", user=bob, destination="bob@example.com", subject=f"Ready {i}",
                            status="sent", sent_at=clock.now())
        day = date(2026, 3, 1) + timedelta(days=i)
        BackupRun.create(key=f"run-{i}", source="log", day=day, status="success", exit_code=0,
                         duration_seconds=60)
    return bob


def spec_path(rule: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)


def filled(path, seeded):
    """A documented path with its {parts} filled by ids that exist (a new kind of part must be added here)."""
    ids = {"person_id": seeded.id}
    return re.sub(r"\{([^}]+)\}", lambda m: str(ids[m.group(1)]), path)


def list_routes(app):
    return [rule.rule for rule, view in openapi.api_rules(app) if view.openapi["list"]]


def test_it_documents_every_api_route(app, client, seeded):
    assert openapi.undocumented(app) == []
    spec = client.get("/api/v1/openapi.json", headers=H).get_json()
    validate(spec)                                    # a valid OpenAPI 3.1 document
    assert spec["openapi"] == "3.1.0"
    routes = [spec_path(rule.rule) for rule, _ in openapi.api_rules(app)]
    assert len(routes) >= 8 and sorted(spec["paths"]) == sorted(routes)
    assert spec["components"]["securitySchemes"]["apiKey"] == {"type": "apiKey", "in": "header", "name": "X-Api-Key"}


def test_every_route_answers_what_its_description_says(app, client, seeded):
    spec = openapi.build(app)
    for path, ops in spec["paths"].items():
        schema = ops["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        r = client.get(filled(path, seeded), headers=H)
        assert r.status_code == 200, (path, r.get_data(as_text=True))
        jsonschema.validate(r.get_json(), schema)     # every field described, nothing extra
        assert client.get(filled(path, seeded)).status_code == 401    # and none without the key


def test_every_part_of_a_path_is_a_required_typed_parameter_and_a_wrong_one_is_a_json_404(app, client, seeded):
    spec = openapi.build(app)
    with_parts = {p: ops for p, ops in spec["paths"].items() if "{" in p}
    assert "/api/v1/people/{person_id}" in with_parts
    error = spec["components"]["schemas"]["Error"]
    for path, ops in with_parts.items():
        op = ops["get"]
        names = re.findall(r"\{([^}]+)\}", path)
        in_path = [p for p in op["parameters"] if p["in"] == "path"]
        assert [p["name"] for p in in_path] == names, path
        assert all(p["required"] is True for p in in_path)
        assert "404" in op["responses"]
        for p in in_path:
            if p["schema"]["type"] != "integer":
                continue
            for wrong in ("999999", "abc", "0", "99999999999", "-1"):
                r = client.get(filled(path.replace("{" + p["name"] + "}", wrong), seeded), headers=H)
                assert r.status_code == 404 and r.is_json, (path, wrong)
                jsonschema.validate(r.get_json(), error)


def test_every_list_has_one_envelope_and_a_working_next_link(app, client, seeded):
    routes = list_routes(app)
    assert {"/api/v1/invites", "/api/v1/webhooks", "/api/v1/requests", "/api/v1/notifications",
            "/api/v1/backups/runs"} <= set(routes)
    for path in routes:
        first = client.get(f"{path}?limit=2", headers=H).get_json()
        assert (first["total"], len(first["items"]), first["limit"], first["offset"]) == (3, 2, 2, 0), path
        assert first["next"] == f"{path}?limit=2&offset=2"
        second = client.get(first["next"], headers=H).get_json()
        assert len(second["items"]) == 1 and second["next"] is None, path
        assert second["items"][0] not in first["items"]


@pytest.mark.parametrize("query, parameter", [
    ("limit=0", "limit"), ("limit=many", "limit"), ("limit=100000", "limit"), ("offset=-1", "offset"),
])
def test_every_list_refuses_a_bad_page_naming_the_parameter(app, client, seeded, query, parameter):
    for path in list_routes(app):
        r = client.get(f"{path}?{query}", headers=H)
        assert r.status_code == 400, path
        body = r.get_json()
        assert body["parameter"] == parameter and parameter in body["error"], (path, body)


def test_every_declared_filter_refuses_a_bad_value_and_an_unknown_one(app, client, seeded):
    spec = openapi.build(app)
    checked = 0
    for path, ops in spec["paths"].items():
        query = [p for p in ops["get"]["parameters"] if p["in"] == "query"]
        path = filled(path, seeded)
        for param in query:
            if param["name"] in ("limit", "offset"):
                continue
            bad = {"string": "x" * 200, "boolean": "perhaps", "integer": "twelve"}[param["schema"]["type"]]
            r = client.get(path, query_string={param["name"]: bad}, headers=H)
            if param["schema"]["type"] == "string" and "format" not in param["schema"] \
                    and "enum" not in param["schema"] and "maxLength" not in param["schema"]:
                continue                              # free text: any value is a (possibly empty) answer
            assert r.status_code == 400 and r.get_json()["parameter"] == param["name"], (path, param["name"])
            checked += 1
        r = client.get(path, query_string={"stauts": "sent"}, headers=H)
        if query:
            assert r.status_code == 400 and r.get_json()["parameter"] == "stauts"
    assert checked >= 8


def test_filters_filter_and_times_read_back_in_the_same_format(client, seeded):
    from plexportal.media.models import WebhookEvent

    WebhookEvent.create(source="seerr", dedup_key="s", event_type="MEDIA_APPROVED", status="ignored")
    data = client.get("/api/v1/webhooks?source=seerr", headers=H).get_json()
    assert data["total"] == 1 and data["items"][0]["event_type"] == "MEDIA_APPROVED"
    newest = data["items"][0]["received_at"]
    assert newest.endswith("Z")
    later = client.get("/api/v1/webhooks", query_string={"since": newest}, headers=H).get_json()
    assert newest in [e["received_at"] for e in later["items"]]
    assert client.get("/api/v1/webhooks?since=2999-01-01T00:00:00Z", headers=H).get_json()["total"] == 0
    r = client.get("/api/v1/webhooks?since=yesterday", headers=H)
    assert r.status_code == 400 and "ISO 8601" in r.get_json()["error"]
    assert client.get("/api/v1/invites?status=active", headers=H).get_json()["total"] == 3
    assert client.get("/api/v1/invites?status=expired", headers=H).get_json()["total"] == 0
    assert client.get(f"/api/v1/requests?user={seeded.id}&type=tv", headers=H).get_json()["total"] == 3
    assert client.get("/api/v1/notifications?kind=media.ready&flagged=0", headers=H).get_json()["total"] == 3


def test_admins_read_the_reference_and_visitors_do_not(app, client, logged_in, set_settings):
    set_settings(API_KEY=KEY)
    page = logged_in.get("/api/reference").get_data(as_text=True)
    for rule, _ in openapi.api_rules(app):
        assert f"<code>{spec_path(rule.rule)}</code>" in page
    assert "<code>{person_id}</code>" in page
    assert "<code>items[].status</code>" in page and "success | failed | partial" in page
    assert "type: customapi" in page and KEY not in page
    doc = logged_in.get("/api/reference/openapi.json")
    assert doc.status_code == 200 and doc.get_json()["openapi"] == "3.1.0"
    visitor = app.test_client()
    assert visitor.get("/api/reference").status_code in (302, 303)
    assert visitor.get("/api/reference/openapi.json").status_code in (302, 303)
