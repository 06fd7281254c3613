"""Trusted-header sign-in (believed only through PLEXPORTAL_TRUSTED_PROXIES hops and from the
proxy's addresses) and the "require a second factor or single sign-on" rule."""
from __future__ import annotations

import re

import pyotp

from plexportal.admin.models import AuditEntry
from plexportal.auth import service, totp
from plexportal.auth.models import User, UserSession
from tests.conftest import PASSWORD, Browserless

PROXY = "172.18.0.5"          # a Docker network address: inside the default TRUSTED_HEADER_PROXIES


def _app(app_factory, hops=1, **values):
    from plexportal.settings import service as settings

    app = app_factory(fields={"trusted_proxies": hops})
    with app.app_context():
        if not service.user_exists("admin"):         # PostgreSQL: a second app shares the database
            service.create_admin("admin", PASSWORD, "admin@example.com")
            service.create_admin("second", PASSWORD)
        settings.set_many({"TRUSTED_HEADER": "Remote-User", **values})
    return app


def _get(client, path="/", user="admin", peer=PROXY, xff="203.0.113.9"):
    headers = {"X-Forwarded-For": xff} if xff else {}
    if user is not None:
        headers["Remote-User"] = user
    return client.get(path, headers=headers, environ_base={"REMOTE_ADDR": peer})


def test_it_signs_in_the_admin_the_proxy_names(app_factory):
    app = _app(app_factory)
    client = app.test_client()
    r = _get(client)
    assert r.status_code == 200
    assert "admin" in r.get_data(as_text=True)
    with app.app_context():
        s = UserSession.get()
        assert s.method == "header" and s.ip == "203.0.113.9"    # the client's address, not the proxy's
        entry = AuditEntry.select().where(AuditEntry.action == "auth.signin").get()
        assert "proxy sign-in from 203.0.113.9" in entry.message
    assert _get(client).status_code == 200
    with app.app_context():
        assert UserSession.select().count() == 1                 # one session, not one per request


def test_it_matches_an_email_too_and_switches_when_the_proxy_names_someone_else(app_factory):
    app = _app(app_factory)
    client = app.test_client()
    assert _get(client, user="admin@example.com").status_code == 200
    assert _get(client, user="second").status_code == 200
    with app.app_context():
        [s] = list(UserSession.select())
        assert s.user.username == "second"


def test_it_ignores_the_header_without_trusted_proxies(app_factory):
    app = _app(app_factory, hops=0)
    assert _get(app.test_client(), xff=None).status_code == 302


def test_it_ignores_the_header_from_an_address_that_is_not_the_proxy(app_factory):
    app = _app(app_factory)
    r = _get(app.test_client(), peer="198.51.100.7", xff="192.168.1.10")
    assert r.status_code == 302
    app2 = _app(app_factory, TRUSTED_HEADER_PROXIES="10.1.1.1/32")
    assert _get(app2.test_client()).status_code == 302
    assert _get(app2.test_client(), peer="10.1.1.1").status_code == 200


def test_it_never_creates_anyone_from_a_header(app_factory):
    app = _app(app_factory)
    assert _get(app.test_client(), user="mallory").status_code == 302
    assert _get(app.test_client(), user="").status_code == 302
    with app.app_context():
        assert User.select().count() == 2 and UserSession.select().count() == 0


def test_it_is_off_without_a_header_name(app_factory):
    app = _app(app_factory, TRUSTED_HEADER="")
    assert _get(app.test_client()).status_code == 302


def test_it_refuses_a_header_name_that_carries_something_else(logged_in):
    r = logged_in.post("/settings/group/Security", data={"TRUSTED_HEADER": "X-Forwarded-For",
                                                         "SESSION_LIFETIME_MINUTES": "720",
                                                         "TRUSTED_HEADER_PROXIES": "10.0.0.0/8"}, htmx=True)
    assert r.status_code == 422 and "carries something else" in r.get_data(as_text=True)


# -- the rule: a second factor or single sign-on -----------------------------------------------------

def _require(set_settings):
    set_settings(REQUIRE_SECOND_FACTOR="true")


def test_it_makes_an_admin_without_a_second_factor_set_one_up_at_sign_in(web, admin, set_settings):
    _require(set_settings)
    r = web.post("/auth/login", data={"username": "admin", "password": PASSWORD})
    assert r.headers["Location"] == "/auth/second-factor"
    assert web.get("/").status_code == 302                     # the password alone is not enough
    page = web.get("/auth/second-factor").get_data(as_text=True)
    assert "Set up a second factor" in page and "<svg" in page
    secret = re.search(r'class="totp-key">([A-Z2-7]+)<', page).group(1)
    r = web.post("/auth/second-factor/enrol", data={"code": "000000"})
    assert r.status_code == 422 and web.get("/").status_code == 302
    r = web.post("/auth/second-factor/enrol", data={"code": pyotp.TOTP(secret).now()})
    assert r.status_code == 200 and "Your recovery codes" in r.get_data(as_text=True)
    assert web.get("/").status_code == 200
    assert UserSession.get().method == "password+totp" and totp.is_enabled(admin)


def test_it_ends_password_only_sessions_when_the_rule_is_switched_on(logged_in, admin, set_settings):
    assert logged_in.get("/").status_code == 200
    _require(set_settings)
    assert logged_in.get("/").status_code == 302
    assert UserSession.select().count() == 0


def test_it_keeps_strong_sessions_when_the_rule_is_switched_on(app, admin, set_settings):
    from datetime import timedelta

    from plexportal.lib import clock

    secret = totp.begin_enrolment(admin)
    totp.confirm_enrolment(admin, pyotp.TOTP(secret).at(clock.now()))
    clock.advance(timedelta(seconds=30))                       # the enrolment used this step's code
    web = Browserless(app.test_client())
    web.post("/auth/login", data={"username": "admin", "password": PASSWORD})
    assert web.post("/auth/second-factor", data={"code": pyotp.TOTP(secret).at(clock.now())}).status_code == 303
    _require(set_settings)
    assert web.get("/").status_code == 200


def test_it_lists_the_rule_on_the_settings_page(logged_in):
    page = logged_in.get("/settings/").get_data(as_text=True)
    assert "Require a second factor or single sign-on for admins" in page
    assert "Single sign-on" in page and "Issuer URL" in page


def test_it_lists_sessions_and_signs_out_the_others(app, logged_in, admin):
    other = Browserless(app.test_client())
    other.post("/auth/login", data={"username": "admin", "password": PASSWORD},
               environ_base={"REMOTE_ADDR": "198.51.100.20"},
               headers={"User-Agent": "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"})
    page = logged_in.get("/auth/account").get_data(as_text=True)
    assert "198.51.100.20" in page and "Chrome on Android" in page and "this browser" in page
    for s in UserSession.select():
        assert s.id not in page                                 # session ids are the cookies' secret
    r = logged_in.post("/auth/sessions/others", htmx=True)
    assert "Signed out 1 other session" in r.get_data(as_text=True)
    assert other.get("/").status_code == 302
    assert logged_in.get("/").status_code == 200


def test_it_signs_out_one_other_session_by_its_handle(app, logged_in, admin):
    other = Browserless(app.test_client())
    other.post("/auth/login", data={"username": "admin", "password": PASSWORD})
    page = logged_in.get("/auth/account").get_data(as_text=True)
    handle = re.search(r"/auth/sessions/([0-9a-f]{16})/end", page).group(1)
    logged_in.post(f"/auth/sessions/{handle}/end", htmx=True)
    assert other.get("/").status_code == 302 and logged_in.get("/").status_code == 200
    assert logged_in.post("/auth/sessions/0000000000000000/end", htmx=True).status_code == 200


def test_it_records_every_sign_in_with_method_and_address(app, admin):
    web = Browserless(app.test_client())
    web.post("/auth/login", data={"username": "admin", "password": PASSWORD}, environ_base={"REMOTE_ADDR": "192.0.2.44"})
    entry = AuditEntry.select().where(AuditEntry.action == "auth.signin").get()
    assert entry.message == "admin signed in with password from 192.0.2.44"
    assert entry.actor_id == admin.id
    assert "signed in with password from 192.0.2.44" in web.get("/auth/account").get_data(as_text=True)
