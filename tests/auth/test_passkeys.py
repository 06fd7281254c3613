"""Passkeys against the real py_webauthn checks, with a software authenticator building the same
bytes a phone or security key does (the browser tests drive Chromium's virtual authenticator)."""
from __future__ import annotations

import json

import pytest

from plexportal.admin.models import AuditEntry
from plexportal.auth.models import Passkey, UserSession
from tests.conftest import PASSWORD, Browserless
from tests.fakes.authenticator import SoftAuthenticator


def _post_json(web, url, body=None):
    if web.token is None:
        web.get("/auth/login")
    return web.client.post(url, json=body or {}, headers={"Accept": "application/json", "X-CSRFToken": web.token})


def _register(web, auth: SoftAuthenticator, name="My phone", **lie):
    options = _post_json(web, "/auth/passkeys/options").get_json()
    return _post_json(web, "/auth/passkeys", {"credential": auth.create(options, **lie), "name": name})


def _sign_in(web, auth: SoftAuthenticator, purpose="signin", next_url="", **lie):
    options = _post_json(web, "/auth/passkey/options", {"purpose": purpose}).get_json()
    return _post_json(web, "/auth/passkey", {"credential": auth.get(options, **lie), "purpose": purpose,
                                             "next": next_url})


@pytest.fixture
def authenticator():
    return SoftAuthenticator()


@pytest.fixture
def registered(logged_in, authenticator):
    r = _register(logged_in, authenticator)
    assert r.status_code == 200, r.get_data(as_text=True)
    return authenticator


def _fresh(app):
    web = Browserless(app.test_client())
    web.get("/auth/login")
    return web


def test_it_registers_a_named_passkey_from_the_account_page(logged_in, registered, admin):
    pk = Passkey.get()
    assert pk.user_id == admin.id and pk.name == "My phone" and pk.transports == ["internal"]
    page = logged_in.get("/auth/account").get_data(as_text=True)
    assert "My phone" in page and "last used" in page
    assert AuditEntry.select().where(AuditEntry.action == "auth.passkey_added").exists()


def test_it_offers_only_a_discoverable_credential_that_excludes_existing_ones(logged_in, registered):
    options = _post_json(logged_in, "/auth/passkeys/options").get_json()
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert [c["id"] for c in options["excludeCredentials"]] == [Passkey.get().credential_id]
    assert options["rp"]["id"] == "localhost"


def test_it_signs_in_with_a_passkey_alone(app, registered, admin):
    web = _fresh(app)
    options = _post_json(web, "/auth/passkey/options").get_json()
    assert options["allowCredentials"] == [] and options["userVerification"] == "required"
    r = _post_json(web, "/auth/passkey", {"credential": registered.get(options), "next": "/settings/"})
    assert r.status_code == 200 and r.get_json() == {"redirect": "/settings/"}
    assert web.get("/settings/").status_code == 200
    assert UserSession.select().where(UserSession.method == "passkey").count() == 1
    assert Passkey.get().last_used_at is not None
    entry = AuditEntry.select().where(AuditEntry.action == "auth.signin").order_by(AuditEntry.id.desc()).first()
    assert "with passkey" in entry.message and "127.0.0.1" in entry.message


def test_it_uses_a_passkey_as_the_second_step_after_the_password(app, registered, admin):
    web = _fresh(app)
    r = web.post("/auth/login", data={"username": "admin", "password": PASSWORD})
    assert r.headers["Location"] == "/auth/second-factor"
    assert "Use a passkey" in web.get("/auth/second-factor").get_data(as_text=True)
    r = _sign_in(web, registered, purpose="second")
    assert r.get_json() == {"redirect": "/"}
    assert UserSession.select().where(UserSession.method == "password+passkey").count() == 1


def test_it_refuses_a_passkey_made_for_another_site(app, registered):
    web = _fresh(app)
    r = _sign_in(web, registered, origin="https://evil.example")
    assert r.status_code == 400
    assert "made for another site" in r.get_json()["error"]
    r = _sign_in(web, registered, rp_id="evil.example")
    assert "made for another site" in r.get_json()["error"]
    assert web.get("/").status_code == 302
    assert not UserSession.select().where(UserSession.method == "passkey").exists()


def test_it_refuses_a_passkey_it_does_not_know(app, registered):
    stranger = SoftAuthenticator()
    stranger.create({"user": {"id": "eA"}, "rp": {"id": "localhost"}, "challenge": "AA"})
    r = _sign_in(_fresh(app), stranger)
    assert r.status_code == 400 and "not registered here" in r.get_json()["error"]


def test_it_refuses_a_replayed_answer_and_a_counter_that_goes_back(app, registered):
    web = _fresh(app)
    options = _post_json(web, "/auth/passkey/options").get_json()
    answer = registered.get(options)
    assert _post_json(web, "/auth/passkey", {"credential": answer}).status_code == 200
    web2 = _fresh(app)
    _post_json(web2, "/auth/passkey/options")
    r = _post_json(web2, "/auth/passkey", {"credential": answer})        # the same bytes again
    assert r.status_code == 400 and "older request" in r.get_json()["error"]
    r = _sign_in(_fresh(app), registered, count=1)                        # a cloned key's stale counter
    assert r.status_code == 400 and "cloned" in r.get_json()["error"]


def test_it_requires_user_verification_for_a_passkey_alone(app, registered):
    r = _sign_in(_fresh(app), registered, user_verified=False)
    assert r.status_code == 400 and "did not confirm it was you" in r.get_json()["error"]


def test_it_throttles_bad_passkey_answers_per_address(app, registered):
    web = _fresh(app)
    for _ in range(5):
        assert _sign_in(web, registered, origin="https://evil.example").status_code == 400
    r = _sign_in(web, registered)
    assert r.status_code == 429
    assert web.get("/").status_code == 302


def test_it_refuses_garbage_without_crashing(app, registered):
    web = _fresh(app)
    for body in ({"credential": "not json"}, {"credential": json.dumps({"id": 5})}, {"credential": "x" * 70000},
                 {"credential": json.dumps({"id": "AAAA", "response": {}})}, {}):
        _post_json(web, "/auth/passkey/options")
        r = _post_json(web, "/auth/passkey", body)
        assert r.status_code in (400, 429), body
        assert "error" in r.get_json()


def test_it_stops_signing_in_with_a_removed_passkey(app, logged_in, registered):
    pk = Passkey.get()
    r = logged_in.post(f"/auth/passkeys/{pk.id}/delete", htmx=True)
    assert r.status_code == 200 and "removed" in r.get_data(as_text=True)
    r = _sign_in(_fresh(app), registered)
    assert r.status_code == 400 and "not registered here" in r.get_json()["error"]


def test_it_renames_a_passkey_and_keeps_other_accounts_passkeys_out_of_reach(logged_in, registered, make_user):
    pk = Passkey.get()
    logged_in.post(f"/auth/passkeys/{pk.id}/rename", data={"name": "  Work   laptop "}, htmx=True)
    assert Passkey.get_by_id(pk.id).name == "Work laptop"
    other = make_user("second-admin", role="admin")
    theirs = Passkey.create(user=other, credential_id="other-cred", public_key="AA", user_handle="AA", name="Theirs")
    logged_in.post(f"/auth/passkeys/{theirs.id}/delete", htmx=True)
    assert Passkey.get_or_none(Passkey.id == theirs.id) is not None


def test_it_does_not_let_a_visitor_register_a_passkey(app, admin):
    web = _fresh(app)
    assert _post_json(web, "/auth/passkeys/options").status_code == 403
    assert _post_json(web, "/auth/passkeys", {"credential": "{}"}).status_code == 403


def test_it_lets_an_admin_add_a_passkey_as_the_required_second_factor_at_sign_in(app, admin, set_settings):
    set_settings(REQUIRE_SECOND_FACTOR="true")
    web = _fresh(app)
    r = web.post("/auth/login", data={"username": "admin", "password": PASSWORD})
    assert r.headers["Location"] == "/auth/second-factor"
    assert "Or a passkey" in web.get("/auth/second-factor").get_data(as_text=True)
    auth = SoftAuthenticator()
    r = _register(web, auth, name="Phone")
    assert r.get_json() == {"redirect": "/"}
    assert UserSession.get().method == "password+passkey"
    assert web.get("/").status_code == 200
    # Once the account has a factor, the sign-in step no longer offers to register another.
    other = _fresh(app)
    other.post("/auth/login", data={"username": "admin", "password": PASSWORD})
    assert _post_json(other, "/auth/passkeys/options").status_code == 403


def test_it_keeps_a_person_signed_in_with_plex_away_from_passkeys(app, make_user):
    from plexportal.auth import service

    person = make_user("friend")
    web = Browserless(app.test_client())
    sid = service.start_session(person, "127.0.0.1", "test", method="plex")
    with web.client.session_transaction() as sess:
        sess["_user_id"] = sid
    assert "Hi friend" in web.get("/notify/me").get_data(as_text=True)     # signed in, with a CSRF token
    assert _post_json(web, "/auth/passkeys/options").status_code == 403
    assert _post_json(web, "/auth/passkeys", {"credential": "{}"}).status_code == 403
