"""Every /api/v1 endpoint, whatever area adds it: closed without the key (and with the API off),
JSON for every answer including errors, read-only, paging clamped, no session, no secrets."""
from __future__ import annotations

import re

import pytest

KEY = "k" * 32
HEADERS = {"X-Api-Key": KEY}


def endpoints(app, some_id: int = 1):
    """Every GET under /api/v1, an id in its path filled with `some_id`."""
    return sorted(re.sub(r"<[^>]+>", str(some_id), r.rule) for r in app.url_map.iter_rules()
                  if r.rule.startswith("/api/v1/") and "GET" in r.methods)


def test_the_api_has_the_endpoints_the_docs_name(app):
    assert {"/api/v1/status", "/api/v1/invites", "/api/v1/requests", "/api/v1/notifications",
            "/api/v1/webhooks", "/api/v1/backups/runs", "/api/v1/backups/status"} <= set(endpoints(app))


def test_every_endpoint_is_closed_while_the_api_is_off(app, client):
    for path in endpoints(app):
        r = client.get(path, headers=HEADERS)
        assert r.status_code == 401, path
        assert r.get_json() == {"error": "the API is disabled: set an API key in Settings → Security"}, path


def test_every_endpoint_wants_the_exact_key(app, client, set_settings):
    set_settings(API_KEY=KEY)
    for n, path in enumerate(endpoints(app)):
        for headers in ({}, {"X-Api-Key": KEY[:-1]}, {"X-Api-Key": KEY + "k"}, {"X-Api-Key": KEY.upper()},
                        {"Authorization": f"Bearer {KEY}"}):
            r = client.get(path, headers=headers, environ_base={"REMOTE_ADDR": f"10.9.{n}.1"})
            assert r.status_code == 401 and r.is_json, (path, headers)
        assert client.get(path + "?api_key=" + KEY, environ_base={"REMOTE_ADDR": f"10.8.{n}.1"}).status_code == 401



def test_every_endpoint_answers_json_without_a_session(app, client, set_settings, admin, make_user):
    set_settings(API_KEY=KEY)
    person = make_user("pat")
    for path in endpoints(app, person.id):
        r = client.get(path, headers=HEADERS)
        assert r.status_code == 200 and r.is_json, path
        assert "Set-Cookie" not in r.headers, path
        assert KEY not in r.get_data(as_text=True)


def test_the_api_is_read_only(app, client, set_settings):
    set_settings(API_KEY=KEY)
    for path in endpoints(app):
        for method in ("post", "put", "delete", "patch"):
            r = getattr(client, method)(path, headers=HEADERS, json={})
            assert r.status_code == 405 and r.get_json() == {"error": "method not allowed"}, (path, method)


def test_an_unknown_address_under_the_api_is_a_json_404(client, set_settings):
    set_settings(API_KEY=KEY)
    r = client.get("/api/v1/nothing-here", headers=HEADERS)
    assert r.status_code == 404 and r.get_json() == {"error": "not found"}


@pytest.mark.parametrize("query,count", [("limit=2", 2), ("limit=1", 1), ("", 3), ("offset=2", 1),
                                         ("offset=3", 0), ("limit=2&offset=2", 1)])
def test_paging_walks_the_list(client, set_settings, db, query, count):
    from plexportal.invites import service

    set_settings(API_KEY=KEY)
    for n in range(3):
        service.create_invite({"label": f"n{n}"})
    r = client.get(f"/api/v1/invites?{query}", headers=HEADERS)
    assert r.status_code == 200 and len(r.get_json()["items"]) == count and r.get_json()["total"] == 3


@pytest.mark.parametrize("query,parameter", [("limit=0", "limit"), ("limit=-5", "limit"), ("limit=abc", "limit"),
                                             ("limit=100000", "limit"), ("offset=-1", "offset"),
                                             ("offset=1e3", "offset")])
def test_a_page_out_of_range_is_refused_with_the_parameter_named(client, set_settings, db, query, parameter):
    set_settings(API_KEY=KEY)
    r = client.get(f"/api/v1/invites?{query}", headers=HEADERS)
    assert r.status_code == 400
    body = r.get_json()
    assert body["parameter"] == parameter and body["error"].startswith(f"{parameter} must be a whole number")


def test_the_key_is_checked_in_constant_time_and_a_wrong_one_is_logged_without_it(client, set_settings, caplog):
    set_settings(API_KEY=KEY)
    client.get("/api/v1/status", headers={"X-Api-Key": "guess-" + KEY[:10]})
    assert "wrong X-Api-Key from" in caplog.text and KEY[:10] not in caplog.text


def test_healthz_tells_nothing_secret_and_needs_nothing(client, set_settings):
    set_settings(API_KEY=KEY, SONARR_URL="http://127.0.0.1:1", SONARR_API_KEY="sonarr-secret")
    r = client.get("/healthz", headers={"Host": "anything.example"})
    assert r.status_code == 200 and r.get_json() == {"status": "ok", "database": "ok", "queue": "ok"}
    assert "Set-Cookie" not in r.headers
