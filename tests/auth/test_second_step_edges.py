"""The second step of a sign-in when there is no first step behind it, a passkey whose account is
no longer an admin, and a wrong code while setting up the required factor at sign-in."""
from __future__ import annotations

from plexportal.auth.models import User, UserSession
from tests.auth.test_passkeys import _fresh, _post_json, _sign_in, authenticator, registered  # noqa: F401
from tests.conftest import PASSWORD


def test_the_second_step_without_a_first_sends_back_to_sign_in(app, admin):
    web = _fresh(app)
    r = web.get("/auth/second-factor")
    assert r.status_code == 303 and r.headers["Location"] == "/auth/login"
    r = web.post("/auth/second-factor", data={"code": "123456"}, htmx=True)
    assert r.status_code == 200 and r.headers["HX-Redirect"] == "/auth/login"
    r = web.post("/auth/second-factor/enrol", data={"code": "123456"}, htmx=True)
    assert r.headers["HX-Redirect"] == "/auth/login"
    assert "the sign-in waited too long for its second step" in web.get("/auth/login").get_data(as_text=True)
    assert UserSession.select().count() == 0


def test_a_passkey_as_second_step_without_a_first_is_refused(app, admin):
    web = _fresh(app)
    r = _post_json(web, "/auth/passkey/options", {"purpose": "second"})
    assert r.status_code == 409 and "waited too long" in r.get_json()["error"]
    r = _post_json(web, "/auth/passkey", {"purpose": "second", "credential": "{}"})
    assert r.status_code == 409
    assert UserSession.select().count() == 0


def test_a_passkey_of_an_admin_who_was_unmade_no_longer_signs_in(app, admin, registered):
    from plexportal.auth import service

    service.create_admin("colleague", PASSWORD)          # the install keeps an admin
    User.update(role="user").where(User.id == admin.id).execute()
    r = _sign_in(_fresh(app), registered)
    assert r.status_code == 400 and r.get_json()["error"] == "That passkey's account can no longer sign in here."
    User.update(role="admin", is_active=False).where(User.id == admin.id).execute()
    r = _sign_in(_fresh(app), registered)
    assert r.status_code == 400 and "can no longer sign in here" in r.get_json()["error"]
    assert UserSession.select().where(UserSession.method == "passkey").count() == 0


def test_a_wrong_code_while_setting_up_the_required_factor_keeps_the_same_secret(app, admin, set_settings):
    import re

    set_settings(REQUIRE_SECOND_FACTOR="true")
    web = _fresh(app)
    r = web.post("/auth/login", data={"username": "admin", "password": PASSWORD})
    assert r.headers["Location"] == "/auth/second-factor"
    page = web.get("/auth/second-factor").get_data(as_text=True)
    secret = re.search(r'class="totp-key">([A-Z2-7]+)<', page).group(1)
    r = web.post("/auth/second-factor/enrol", data={"code": "000000"}, htmx=True)
    assert r.status_code == 422
    again = re.search(r'class="totp-key">([A-Z2-7]+)<', r.get_data(as_text=True)).group(1)
    assert again == secret                       # the app already scanned keeps working
    assert UserSession.select().count() == 0
