"""Authenticator-app codes: enrolment from the account page, the second step at sign-in, replay,
recovery codes, throttling, and the way back on the server (reset-password --clear-2fa)."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from plexportal.admin.models import AuditEntry
from plexportal.auth import totp
from plexportal.auth.models import RecoveryCode, TotpFactor, User, UserSession
from plexportal.lib import clock
from tests.conftest import PASSWORD, Browserless

T0 = datetime(2026, 3, 1, 12, 0, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    clock.freeze(T0)
    yield
    clock.reset()


def _code(secret: str, at: datetime | None = None) -> str:
    return pyotp.TOTP(secret).at(at or clock.now())


def _enrol(web) -> tuple[str, list[str]]:
    """Set up the app through the account page; returns (secret, recovery codes)."""
    r = web.post("/auth/totp/start", htmx=True)
    assert r.status_code == 200
    secret = re.search(r'class="totp-key">([A-Z2-7]+)<', r.get_data(as_text=True)).group(1)
    assert "<svg" in r.get_data(as_text=True)               # the QR code
    r = web.post("/auth/totp/confirm", data={"code": _code(secret)}, htmx=True)
    assert r.status_code == 200, r.get_data(as_text=True)
    codes = re.findall(r"<code>([0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4})</code>", r.get_data(as_text=True))
    return secret, codes


def _password(web, **kw):
    return web.post("/auth/login", data={"username": "admin", "password": PASSWORD}, **kw)


def _fresh(app):
    return Browserless(app.test_client())


def test_it_enrols_with_a_qr_code_and_shows_ten_recovery_codes_once(logged_in, admin):
    secret, codes = _enrol(logged_in)
    assert len(codes) == 10 and len(set(codes)) == 10
    factor = TotpFactor.get(TotpFactor.user == admin.id)
    assert factor.confirmed_at is not None
    assert secret not in factor.secret                       # stored encrypted
    stored = {r.code_hash for r in RecoveryCode.select()}
    assert len(stored) == 10 and not any(c.replace("-", "") in h for c in codes for h in stored)
    page = logged_in.get("/auth/account").get_data(as_text=True)
    assert "10 recovery codes left" in page
    assert codes[0] not in page                              # never shown again
    assert AuditEntry.select().where(AuditEntry.action == "auth.totp_enabled").exists()


def test_it_refuses_a_wrong_first_code_and_keeps_the_factor_off(logged_in, admin):
    logged_in.post("/auth/totp/start", htmx=True)
    r = logged_in.post("/auth/totp/confirm", data={"code": "000000"}, htmx=True)
    assert r.status_code == 422
    assert "That code is not right" in r.get_data(as_text=True)
    assert not totp.is_enabled(admin)


def test_it_asks_for_a_code_after_the_password_and_signs_in_with_it(app, logged_in, admin):
    secret, _ = _enrol(logged_in)
    web = _fresh(app)
    r = _password(web)
    assert r.status_code == 303 and r.headers["Location"] == "/auth/second-factor"
    assert web.get("/").status_code == 302                  # not signed in yet
    page = web.get("/auth/second-factor").get_data(as_text=True)
    assert "Code from your authenticator app" in page
    clock.advance(timedelta(seconds=30))
    r = web.post("/auth/second-factor", data={"code": _code(secret)})
    assert r.status_code == 303 and r.headers["Location"] == "/"
    assert web.get("/").status_code == 200
    newest = UserSession.select().order_by(UserSession.created_at.desc(), UserSession.id).first()
    assert UserSession.select().where(UserSession.method == "password+totp").count() == 1
    assert newest is not None


def test_it_never_accepts_the_same_code_twice(app, logged_in, admin):
    secret, _ = _enrol(logged_in)                            # the enrolment used the current step
    web = _fresh(app)
    _password(web)
    r = web.post("/auth/second-factor", data={"code": _code(secret)})
    assert r.status_code == 422
    assert "already used" in r.get_data(as_text=True)
    clock.advance(timedelta(seconds=30))
    code = _code(secret)
    assert web.post("/auth/second-factor", data={"code": code}).status_code == 303
    other = _fresh(app)
    _password(other)
    assert other.post("/auth/second-factor", data={"code": code}).status_code == 422   # replayed


def test_it_accepts_a_code_from_a_phone_a_step_behind(app, logged_in, admin):
    secret, _ = _enrol(logged_in)
    clock.advance(timedelta(seconds=60))
    web = _fresh(app)
    _password(web)
    late = _code(secret, clock.now() - timedelta(seconds=30))
    assert web.post("/auth/second-factor", data={"code": late}).status_code == 303


def test_it_signs_in_once_with_each_recovery_code(app, logged_in, admin):
    _, codes = _enrol(logged_in)
    web = _fresh(app)
    _password(web)
    r = web.post("/auth/second-factor", data={"recovery": codes[3].upper().replace("-", " ")})
    assert r.status_code == 303
    assert UserSession.select().where(UserSession.method == "password+recovery").exists()
    assert totp.recovery_codes_left(admin) == 9
    again = _fresh(app)
    _password(again)
    r = again.post("/auth/second-factor", data={"recovery": codes[3]})
    assert r.status_code == 422 and "used before" in r.get_data(as_text=True)


def test_it_sends_the_browser_back_to_the_password_after_five_wrong_codes(app, logged_in, admin):
    _enrol(logged_in)
    web = _fresh(app)
    _password(web)
    for _ in range(4):
        assert web.post("/auth/second-factor", data={"code": "123456"}).status_code == 422
    r = web.post("/auth/second-factor", data={"code": "123456"})
    assert r.status_code == 303 and r.headers["Location"] == "/auth/login"
    assert web.get("/auth/second-factor").headers["Location"] == "/auth/login"


def test_it_throttles_code_guessing_per_address_and_account(app, logged_in, admin):
    secret, _ = _enrol(logged_in)
    for _ in range(5):
        web = _fresh(app)
        _password(web)
        web.post("/auth/second-factor", data={"code": "999999"})
    web = _fresh(app)
    _password(web)
    clock.advance(timedelta(seconds=30))
    blocked = web.post("/auth/second-factor", data={"code": _code(secret)})
    assert blocked.status_code == 429                        # even the right code waits out the window
    assert web.get("/").status_code == 302


def test_it_forgets_a_half_done_sign_in_after_five_minutes(app, logged_in, admin):
    secret, _ = _enrol(logged_in)
    web = _fresh(app)
    _password(web)
    import time as _time

    real = _time.time
    try:
        _time.time = lambda: real() + 301
        r = web.post("/auth/second-factor", data={"code": _code(secret)})
    finally:
        _time.time = real
    assert r.status_code == 303 and r.headers["Location"] == "/auth/login"


def test_it_needs_a_current_code_to_turn_the_app_off(logged_in, admin):
    secret, _ = _enrol(logged_in)
    r = logged_in.post("/auth/totp/disable", data={"code": "111111"}, htmx=True)
    assert r.status_code == 422 and totp.is_enabled(admin)
    clock.advance(timedelta(seconds=30))
    r = logged_in.post("/auth/totp/disable", data={"code": _code(secret)}, htmx=True)
    assert r.status_code == 200 and not totp.is_enabled(admin)
    assert RecoveryCode.select().count() == 0


def test_it_replaces_the_recovery_codes_and_the_old_ones_stop_working(app, logged_in, admin):
    secret, old = _enrol(logged_in)
    clock.advance(timedelta(seconds=30))
    r = logged_in.post("/auth/totp/recovery", data={"code": _code(secret)}, htmx=True)
    new = re.findall(r"<code>([0-9a-z-]{19})</code>", r.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    web = _fresh(app)
    _password(web)
    assert web.post("/auth/second-factor", data={"recovery": old[0]}).status_code == 422
    assert web.post("/auth/second-factor", data={"recovery": new[0]}).status_code == 303


def test_it_clears_a_lost_second_factor_from_the_command_line(app, logged_in, admin):
    _enrol(logged_in)
    result = app.test_cli_runner().invoke(args=["reset-password", "admin", "--clear-2fa", "--keep-password"])
    assert result.exit_code == 0, result.output
    assert "second factors of admin removed" in result.output
    assert not totp.is_enabled(admin) and RecoveryCode.select().count() == 0
    assert UserSession.select().count() == 0                # every session ended
    assert logged_in.get("/").status_code == 302
    web = _fresh(app)
    assert _password(web).headers["Location"] == "/"          # the password alone works again
    assert AuditEntry.select().where(AuditEntry.action == "auth.second_factor_cleared").exists()


def test_it_refuses_keep_password_without_clear_2fa(app, admin):
    result = app.test_cli_runner().invoke(args=["reset-password", "admin", "--keep-password"])
    assert result.exit_code != 0 and "only goes with --clear-2fa" in result.output


def test_it_resets_the_password_and_the_second_factor_together(app, logged_in, admin):
    _enrol(logged_in)
    result = app.test_cli_runner().invoke(args=["reset-password", "admin", "--clear-2fa", "--password-stdin"],
                                          input="a brand new passphrase\n")
    assert result.exit_code == 0, result.output
    web = _fresh(app)
    r = web.post("/auth/login", data={"username": "admin", "password": "a brand new passphrase"})
    assert r.headers["Location"] == "/"


def test_it_reencrypts_totp_secrets_when_the_key_rotates(app, logged_in, admin):
    secret, _ = _enrol(logged_in)
    before = TotpFactor.get(TotpFactor.user == admin.id).secret
    result = app.test_cli_runner().invoke(args=["settings", "rotate-secrets"])
    assert result.exit_code == 0
    after = TotpFactor.get(TotpFactor.user == admin.id).secret
    assert after != before
    clock.advance(timedelta(seconds=30))
    assert totp.verify(User.get_by_id(admin.id), _code(secret))


def test_the_second_step_is_an_admin_page_in_english_whatever_the_browser_asks(app, logged_in, admin):
    _enrol(logged_in)
    web = _fresh(app)
    _password(web)
    page = web.get("/auth/second-factor", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="en">' in page and "<h1>One more step</h1>" in page and ">Start again<" in page
    assert "Noch einmal" not in page and "Weiter" not in page
