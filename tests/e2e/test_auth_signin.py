"""Sign-in methods in Chromium, at phone and desktop size: an authenticator app set up and asked
for, passkeys through Chromium's virtual WebAuthn authenticator (a platform passkey on the phone,
a USB security key on the desktop), Sign in with Plex against the fake plex.tv, and single
sign-on against the fake OpenID provider."""
from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.fakes.oidc import FakeOIDC

pytestmark = pytest.mark.e2e


def _local(server) -> str:
    # WebAuthn needs a domain (or localhost) as the relying party, never an IP address.
    return server.url.replace("127.0.0.1", "localhost")


def _password(page, base):
    page.goto(base + "/auth/login")
    page.get_by_label("User name").fill("admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("#login-form button[type=submit]").click()


def _sign_out(page, viewport):
    if viewport == "phone":
        page.locator("details.navmenu > summary").click()
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url(re.compile(r".*/auth/login.*"))


def _virtual_authenticator(page, viewport):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {"protocol": "ctap2", "hasResidentKey": True, "hasUserVerification": True, "isUserVerified": True,
               "automaticPresenceSimulation": True,
               "transport": "internal" if viewport == "phone" else "usb"}
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    return cdp


def test_it_registers_a_passkey_and_signs_in_with_it_alone(live_server_factory, page, viewport, shot):
    server = live_server_factory(admin=True, settings={"SERVER_NAME": "Harbour Server"})
    base = _local(server)
    _virtual_authenticator(page, viewport)
    _password(page, base)
    page.wait_for_url(base + "/")
    page.goto(base + "/auth/account")
    name = "My phone" if viewport == "phone" else "Blue security key"
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_text(f"Passkey “{name}” added.").first).to_be_visible()
    expect(page.locator(f"input[value='{name}']")).to_be_visible()
    shot("account-with-passkey")
    _sign_out(page, viewport)
    expect(page.get_by_role("button", name="Sign in with a passkey")).to_be_visible()
    shot("sign-in-page")
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url(base + "/")
    page.goto(base + "/auth/account")
    expect(page.get_by_role("cell", name=re.compile("^passkey")).first).to_be_visible()
    expect(page.get_by_text("this browser")).to_be_visible()
    shot("signed-in-with-passkey")


def test_it_refuses_a_passkey_made_at_another_address_of_the_server(live_server_factory, page, viewport):
    server = live_server_factory(admin=True)
    base = _local(server)
    _virtual_authenticator(page, viewport)
    _password(page, base)
    page.wait_for_url(base + "/")
    page.goto(base + "/auth/account")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_text("added.").first).to_be_visible()
    _sign_out(page, viewport)
    # The same server at 127.0.0.1: the browser has no passkey for that relying party.
    page.goto(server.url + "/auth/login")
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.locator(".passkey-msg")).to_contain_text(re.compile("passkey|address|Cancelled"))
    assert "/auth/login" in page.url


def test_it_sets_up_an_authenticator_app_and_asks_for_a_code(live_server_factory, page, viewport, shot):
    server = live_server_factory(admin=True, settings={"SERVER_NAME": "Harbour Server"})
    base = server.url
    _password(page, base)
    page.wait_for_url(base + "/")
    page.goto(base + "/auth/account")
    page.get_by_role("button", name="Set up an authenticator app").click()
    expect(page.locator(".totp-qr svg")).to_be_visible()
    shot("totp-qr")
    page.get_by_text("Can't scan? Type the key instead").click()
    secret = page.locator(".totp-key").inner_text().strip()
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    shot("recovery-codes")
    recovery = page.locator(".recovery-codes li").first.inner_text().strip()
    _sign_out(page, viewport)
    _password(page, base)
    page.wait_for_url(base + "/auth/second-factor")
    shot("second-factor")
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("alert")).to_contain_text("not right")
    shot("second-factor-wrong")
    page.get_by_text("Lost your phone? Use a recovery code").click()
    page.get_by_label("Recovery code").fill(recovery)
    page.get_by_role("button", name="Use this recovery code").click()
    page.wait_for_url(base + "/")
    expect(page.get_by_text("You used a recovery code; 9 left")).to_be_visible()


def test_it_signs_in_with_single_sign_on(live_server_factory, page, viewport, shot):
    fake = FakeOIDC().start()
    try:
        fake.signed_in["groups"] = ["plexportal-admins"]
        server = live_server_factory(admin=True, settings={
            "OIDC_ISSUER": fake.issuer, "OIDC_CLIENT_ID": fake.client_id, "OIDC_CLIENT_SECRET": fake.client_secret,
            "OIDC_PROVIDER_NAME": "Authentik", "OIDC_ADMIN_VALUE": "plexportal-admins"})
        page.goto(server.url + "/auth/login")
        shot("sign-in-with-sso-button")
        page.get_by_role("button", name="Sign in with Authentik").click()
        page.wait_for_url(server.url + "/")
        fake.tamper = "nonce"
        _sign_out(page, viewport)
        page.get_by_role("button", name="Sign in with Authentik").click()
        page.wait_for_url(re.compile(r".*/auth/login$"))
        expect(page.get_by_text("nonce does not match")).to_be_visible()
        shot("sso-refused")
    finally:
        fake.stop()
