"""Throttles: the current-password check, the global invite code, the API key and the webhook
secret (the shared "N failures per window per key" of auth/throttle.py)."""
from tests.conftest import PASSWORD


def _at(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_the_current_password_check_is_throttled_like_sign_in(logged_in):
    page = logged_in.get("/auth/password")
    assert page.status_code == 200
    for _ in range(5):
        r = logged_in.post("/auth/password", data={"current": "wrong guess", "password": "a new long password",
                                                   "confirm": "a new long password"})
        assert r.status_code == 422 and "not your current password" in r.get_data(as_text=True)
    # The sixth answers 429 before any password is checked, even the right one.
    r = logged_in.post("/auth/password", data={"current": PASSWORD, "password": "a new long password",
                                               "confirm": "a new long password"})
    assert r.status_code == 429
    assert "Too many attempts" in r.get_data(as_text=True)


def test_wrong_current_passwords_and_wrong_sign_ins_share_one_allowance(logged_in, app):
    for _ in range(3):
        logged_in.post("/auth/password", data={"current": "nope", "password": "a new long password",
                                               "confirm": "a new long password"})
    other = app.test_client()
    from tests.conftest import Browserless

    stranger = Browserless(other)
    for _ in range(2):
        assert stranger.post("/auth/login", data={"username": "admin", "password": "nope"}).status_code == 422
    assert stranger.post("/auth/login", data={"username": "admin", "password": PASSWORD}).status_code == 429


def test_wrong_api_keys_are_throttled_per_address(client, set_settings):
    set_settings(API_KEY="the-right-api-key-0123456789")
    for _ in range(30):
        assert client.get("/api/v1/status", headers={"X-Api-Key": "wrong"}, **_at("203.0.113.9")).status_code == 401
    blocked = client.get("/api/v1/status", headers={"X-Api-Key": "the-right-api-key-0123456789"}, **_at("203.0.113.9"))
    assert blocked.status_code == 429 and "too many wrong keys" in blocked.get_json()["error"]
    other = client.get("/api/v1/status", headers={"X-Api-Key": "the-right-api-key-0123456789"}, **_at("192.168.1.20"))
    assert other.status_code == 200


def test_wrong_webhook_secrets_are_throttled_per_address(client, set_settings):
    set_settings(WEBHOOK_SECRET="the-right-webhook-secret-0123")
    body = b'{"eventType": "Test"}'
    for _ in range(30):
        r = client.post("/webhooks/sonarr?token=wrong", data=body, content_type="application/json", **_at("203.0.113.9"))
        assert r.status_code == 401
    r = client.post("/webhooks/sonarr?token=the-right-webhook-secret-0123", data=body, content_type="application/json",
                    **_at("203.0.113.9"))
    assert r.status_code == 429
    r = client.post("/webhooks/sonarr?token=the-right-webhook-secret-0123", data=body, content_type="application/json",
                    **_at("192.168.1.30"))
    assert r.status_code == 200


def test_the_webhook_throttle_sees_the_client_through_trusted_proxies(app_factory):
    app = app_factory(fields={"trusted_proxies": 1})
    with app.app_context():
        from plexportal.db import db
        from plexportal.settings import service

        with db.connection_context():
            service.set_value("WEBHOOK_SECRET", "the-right-webhook-secret-0123")
    client = app.test_client()
    for _ in range(30):
        client.post("/webhooks/sonarr?token=wrong", data=b"{}", content_type="application/json",
                    headers={"X-Forwarded-For": "203.0.113.9"}, **_at("10.0.0.1"))
    # Another client behind the same proxy is not blocked by the first one's failures.
    r = client.post("/webhooks/sonarr?token=the-right-webhook-secret-0123", data=b'{"eventType": "Test"}',
                    content_type="application/json", headers={"X-Forwarded-For": "192.168.1.30"}, **_at("10.0.0.1"))
    assert r.status_code == 200
    r = client.post("/webhooks/sonarr?token=the-right-webhook-secret-0123", data=b'{"eventType": "Test"}',
                    content_type="application/json", headers={"X-Forwarded-For": "203.0.113.9"}, **_at("10.0.0.1"))
    assert r.status_code == 429


def test_the_dashboard_warns_when_processes_count_limits_apart(logged_in, monkeypatch):
    assert "Sign-in limits" not in logged_in.get("/").get_data(as_text=True)
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    html = logged_in.get("/").get_data(as_text=True)
    from tests.conftest import BACKEND

    if BACKEND == "sqlite":        # memory:// counts; the PostgreSQL pass uses Redis, which is shared
        assert "Sign-in limits" in html and "5 sign-in tries become 15" in html
    else:
        assert "Sign-in limits" not in html


def test_every_route_with_a_token_in_its_path_is_redacted_in_logs(app):
    """A new /<token> route must be added to lib/redact.TOKEN_PATHS."""
    from plexportal.lib import redact

    rules = [r for r in app.url_map.iter_rules() if "<token>" in r.rule]
    assert rules
    for rule in rules:
        sample = rule.rule.replace("<token>", "SECRETTOKEN123").replace("<int:channel_id>", "1") \
            .replace("<int:notification_id>", "1")
        sample = __import__("re").sub(r"<[^>]+>", "x", sample)
        assert "SECRETTOKEN123" not in redact.request_target(sample), rule.rule
