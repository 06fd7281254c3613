"""The local-network bypass and the client address behind PLEXPORTAL_TRUSTED_PROXIES hops."""
from __future__ import annotations

import pytest

from plexportal.config import Config, ConfigError
from tests.conftest import PASSWORD, Browserless

LAN = "192.168.1.0/24"


def _app(app_factory, hops: int):
    from plexportal.auth import service
    from plexportal.settings import service as settings

    app = app_factory(fields={"trusted_proxies": hops})
    with app.app_context():
        if not service.has_admin():
            service.create_admin("admin", PASSWORD)
        settings.set_many({"LOCAL_BYPASS_CIDRS": LAN})
    return app


def _get(app, remote, xff=None):
    headers = {"X-Forwarded-For": xff} if xff else {}
    return app.test_client().get("/", environ_base={"REMOTE_ADDR": remote}, headers=headers)


def test_it_reads_trusted_proxies_from_the_environment(monkeypatch):
    monkeypatch.setenv("PLEXPORTAL_TRUSTED_PROXIES", "1")
    assert Config.from_env().trusted_proxies == 1
    monkeypatch.setenv("PLEXPORTAL_TRUSTED_PROXIES", "two")
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        Config.from_env()


def test_it_lets_a_visitor_on_the_local_network_in_without_signing_in(app_factory):
    app = _app(app_factory, 0)
    r = _get(app, "192.168.1.23")
    assert r.status_code == 200
    assert "Local network" in r.get_data(as_text=True)
    assert _get(app, "10.9.8.7").status_code == 302


def test_it_ignores_x_forwarded_for_without_trusted_proxies(app_factory):
    app = _app(app_factory, 0)
    r = _get(app, "203.0.113.9", xff="192.168.1.23")
    assert r.status_code == 302
    assert "/auth/login" in r.headers["Location"]


def test_it_believes_only_the_right_most_hop_with_one_trusted_proxy(app_factory):
    app = _app(app_factory, 1)
    # The proxy appended the real client; the left entry is whatever the client sent.
    assert _get(app, "127.0.0.1", xff="192.168.1.23").status_code == 200
    assert _get(app, "127.0.0.1", xff="203.0.113.9, 192.168.1.23").status_code == 200
    forged = _get(app, "127.0.0.1", xff="192.168.1.23, 203.0.113.9")
    assert forged.status_code == 302
    assert _get(app, "127.0.0.1", xff="127.0.0.1, 10.0.0.1, 203.0.113.9").status_code == 302


def test_it_does_not_bypass_without_an_admin(app_factory):
    app = app_factory()
    with app.app_context():
        from plexportal.settings import service as settings

        settings.set_many({"LOCAL_BYPASS_CIDRS": LAN})
    r = _get(app, "192.168.1.23")
    assert r.status_code == 302
    assert r.headers["Location"].endswith("/settings/setup")


def test_it_still_requires_csrf_from_the_local_network(app_factory):
    app = _app(app_factory, 0)
    client = app.test_client()
    r = client.post("/settings/group/General", data={"SERVER_NAME": "Changed"},
                    environ_base={"REMOTE_ADDR": "192.168.1.23"})
    assert r.status_code == 400


def test_it_throttles_by_the_real_client_behind_a_proxy(app_factory):
    app = _app(app_factory, 1)
    web = Browserless(app.test_client())
    web.get("/auth/login")
    for n in range(5):
        # Rotating a forged left-hand entry does not make a new client.
        r = web.post("/auth/login", data={"username": "admin", "password": "guess"},
                     environ_base={"REMOTE_ADDR": "127.0.0.1"},
                     headers={"X-Forwarded-For": f"10.0.0.{n}, 198.51.100.7"})
        assert r.status_code == 422
    r = web.post("/auth/login", data={"username": "admin", "password": PASSWORD},
                 environ_base={"REMOTE_ADDR": "127.0.0.1"},
                 headers={"X-Forwarded-For": "10.0.0.99, 198.51.100.7"})
    assert r.status_code == 429
    other = web.post("/auth/login", data={"username": "admin", "password": PASSWORD},
                     environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"X-Forwarded-For": "198.51.100.8"})
    assert other.status_code == 303


def test_it_matches_ipv4_mapped_ipv6_addresses(app_factory):
    app = _app(app_factory, 0)
    assert _get(app, "::ffff:192.168.1.23").status_code == 200
