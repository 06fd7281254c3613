"""The Host check against DNS rebinding (the same through gunicorn: test_live.py)."""
import pytest

from plexportal.auth import hosts
from plexportal.settings import service

EVIL = {"Host": "rebind.evil.example"}


@pytest.mark.parametrize("path", ["/settings/setup", "/auth/login", "/", "/settings/", "/backups/"])
def test_an_unknown_host_name_is_refused_with_a_page_saying_what_to_set(client, path):
    r = client.get(path, headers=EVIL)
    body = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "Unknown address" in body and "PLEXPORTAL_ALLOWED_HOSTS" in body and "rebind.evil.example" in body


def test_the_wizard_of_an_unclaimed_install_cannot_be_submitted_through_another_name(client):
    from plexportal.auth.models import User

    r = client.post("/settings/setup", headers=EVIL,
                    data={"username": "mallory", "password": "a long enough password", "confirm": "a long enough password"})
    assert r.status_code == 400
    assert User.select().count() == 0


def test_the_local_network_bypass_is_not_reached_through_another_name(app, admin, set_settings):
    set_settings(LOCAL_BYPASS_CIDRS="127.0.0.0/8")
    client = app.test_client()
    assert client.get("/settings/").status_code == 200                     # localhost: the bypass works
    r = client.get("/settings/", headers=EVIL)
    assert r.status_code == 400 and "Settings" not in r.get_data(as_text=True).split("<main", 1)[-1][:200]


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "192.168.1.20", "[::1]:8000", "localhost:8000",
                                  "portal.example.com", "PORTAL.example.com.", "tv.home.example"])
def test_ip_literals_localhost_base_url_and_allowed_hosts_are_accepted(client, set_settings, host):
    set_settings(BASE_URL="https://portal.example.com", ALLOWED_HOSTS="*.home.example")
    assert client.get("/auth/login", headers={"Host": host}).status_code in (200, 302)


def test_allowed_hosts_can_come_from_the_environment(client, monkeypatch):
    monkeypatch.setenv("PLEXPORTAL_ALLOWED_HOSTS", "rebind.evil.example")
    service.invalidate()
    assert client.get("/auth/login", headers=EVIL).status_code in (200, 302)


def test_machine_endpoints_answer_on_any_name(client, db):
    assert client.get("/healthz", headers={"Host": "plexportal:8000"}).status_code == 200
    assert client.get("/api/v1/status", headers={"Host": "plexportal:8000"}).status_code == 401   # its own key
    r = client.post("/backups/ping/nope/start", headers={"Host": "plexportal:8000"})
    assert r.status_code == 404


def test_the_setting_refuses_what_is_not_a_host_name(db):
    assert hosts.problem("portal.example.com, *.lan.example") is None
    assert "is not a host name" in hosts.problem("http://portal.example.com")
    assert "is not a host name" in hosts.problem("portal.example.com:8000")
    from plexportal.settings.registry import InvalidSetting

    with pytest.raises(InvalidSetting, match="not a host name"):
        service.set_value("ALLOWED_HOSTS", "portal.example.com/admin")
