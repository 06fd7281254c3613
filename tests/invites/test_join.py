"""The public join pages: what a visitor sees, Sign in with Plex through the session-kept pin, the
plain form, generic errors, rate limits, the honeypot, CSRF and the global-code request form."""
import re

from plexportal.gateways import plextv
from plexportal.invites import service
from plexportal.invites.models import Redemption
from tests.invites.conftest import browser_pin


def client_id(app):
    return plextv.client_identifier(app.config["SECRET_KEY"])


def test_it_shows_the_server_and_libraries_on_the_join_page(web, plex):
    invite = service.create_invite({"libraries": [1001, 1002]})
    from plexportal.invites import provisioning

    provisioning.refresh_libraries()
    page = web.get(f"/join/{invite.code.lower()}", follow_redirects=True).get_data(as_text=True)
    assert "You're invited to Harbour Server" in page
    assert "<li>Movies</li>" in page and "<li>TV Shows</li>" in page and "Music" not in page
    assert "Sign in with Plex" in page and 'src="/static/invites.js"' in page
    assert f'data-plex-tv="{plex.url}"' in page
    assert "<script>" not in page                              # no inline script (CSP)


def test_it_signs_in_with_plex_through_a_pin_kept_in_the_session(app, web, plex, mail):
    invite = service.create_invite({"max_uses": 1})
    web.get(f"/join/{invite.code}")
    pin = browser_pin(plex, client_id(app))
    start = web.client.post(f"/join/{invite.code}/pin", json={"pin_id": pin["id"], "pin_code": pin["code"]},
                            headers={"X-CSRFToken": web.token})
    urls = start.get_json()
    assert urls["popup_url"].startswith(f"{plex.url}/auth#?")
    assert f"code={pin['code']}" in urls["popup_url"] and "forwardUrl" not in urls["popup_url"]
    assert "forwardUrl=http%3A%2F%2Flocalhost%2Fjoin%2F" in urls["redirect_url"]
    assert str(pin["id"]) not in urls["redirect_url"].split("forwardUrl")[1]     # the pin id never travels
    assert web.client.get(f"/join/{invite.code}/pin").get_json() == {"status": "waiting", "redirect": None}
    plex.approve_pin(pin["id"], token="friend-token")
    done = web.client.get(f"/join/{invite.code}/pin").get_json()
    assert done == {"status": "done", "redirect": f"/join/{invite.code}/status"}
    page = web.get(done["redirect"]).get_data(as_text=True)
    assert "You're in!" in page and "friend" in page
    r = Redemption.get()
    assert (r.via, r.plex_user_id, r.state) == ("plex", 42, "active")
    # Another browser without the pin in its session cannot use it.
    other = app.test_client()
    assert other.get(f"/join/{invite.code}/pin").get_json()["status"] == "error"


def test_it_sends_a_phone_back_through_forward_url(app, web, plex):
    invite = service.create_invite({})
    web.get(f"/join/{invite.code}")
    pin = browser_pin(plex, client_id(app))
    web.client.post(f"/join/{invite.code}/pin", json={"pin_id": pin["id"], "pin_code": pin["code"]},
                    headers={"X-CSRFToken": web.token})
    waiting = web.get(f"/join/{invite.code}/plex")
    assert waiting.status_code == 200 and "Finishing your Plex sign-in" in waiting.get_data(as_text=True)
    plex.approve_pin(pin["id"], token="friend-token")
    back = web.get(f"/join/{invite.code}/plex")
    assert back.status_code == 303 and back.headers["Location"].endswith(f"/join/{invite.code}/status")


def test_it_guides_an_unverified_plex_account_without_using_the_invite(app, web, plex):
    plex.add_account(77, "newbie", "new@example.com", "new-token", confirmed=False)
    invite = service.create_invite({"max_uses": 1})
    web.get(f"/join/{invite.code}")
    pin = browser_pin(plex, client_id(app))
    web.client.post(f"/join/{invite.code}/pin", json={"pin_id": pin["id"], "pin_code": pin["code"]},
                    headers={"X-CSRFToken": web.token})
    plex.approve_pin(pin["id"], token="new-token")
    result = web.client.get(f"/join/{invite.code}/pin").get_json()
    assert result["status"] == "unverified"
    page = web.get(result["redirect"]).get_data(as_text=True)
    assert "needs one more step" in page and "Try again" in page
    assert Redemption.select().count() == 0
    assert service.get_invite_by_code(invite.code).use_count == 0


def test_it_takes_a_typed_username_and_shows_the_next_step(web, plex):
    invite = service.create_invite({})
    web.get(f"/join/{invite.code}")
    r = web.post(f"/join/{invite.code}", data={"identifier": "friend"})
    assert r.status_code == 303
    page = web.get(r.headers["Location"]).get_data(as_text=True)
    assert "Almost there" in page and "Accept" in page
    assert Redemption.get().state == "invited"


def test_it_keeps_errors_generic_for_the_public(web, plex):
    plex.fail_next(400, '<Response code="400" status="Unable to find user nobody@example.com"/>',
                   path="/api/servers/machine-abc123/shared_servers")
    invite = service.create_invite({})
    web.get(f"/join/{invite.code}")
    r = web.post(f"/join/{invite.code}", data={"identifier": "nobody@example.com"})
    page = web.get(r.headers["Location"]).get_data(as_text=True)
    assert "couldn't finish setting you up" in page
    assert "Unable to find" not in page and "400" not in page
    # The admin sees plex.tv's reason in words, not its XML.
    assert Redemption.get().error.endswith("plex.tv refused the request (400): Unable to find user nobody@example.com")


def test_it_rejects_a_bad_username_with_the_value_kept(web, plex):
    invite = service.create_invite({})
    web.get(f"/join/{invite.code}")
    r = web.post(f"/join/{invite.code}", data={"identifier": "no spaces allowed"})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "Enter your Plex username" in page and 'value="no spaces allowed"' in page
    assert Redemption.select().count() == 0


def test_it_says_the_same_for_unknown_used_up_and_disabled_links(web, plex):
    used = service.create_invite({"max_uses": 1})
    service.redeem_invite(used.id, service.Claimant("name:x", "friend", "form"))
    off = service.create_invite({"enabled": False})
    pages = [web.get(f"/join/{code}") for code in ("ZZZZZZZZZZZZ", used.code, off.code)]
    # The CSRF token carries the second it was signed in: three requests may straddle a second.
    texts = {re.sub(r'"X-CSRFToken": "[^"]+"', "", re.sub(r"\s+", " ", p.get_data(as_text=True))) for p in pages}
    assert len(texts) == 1 and "This invite can't be used" in texts.pop()
    assert [p.status_code for p in pages] == [404, 410, 410]


def test_it_limits_submissions_per_address(web, plex):
    invite = service.create_invite({"max_uses": None})
    web.get(f"/join/{invite.code}")
    codes = [web.post(f"/join/{invite.code}", data={"identifier": f"p{n}@example.com"}).status_code for n in range(6)]
    assert codes == [303] * 5 + [429]


def test_it_limits_submissions_per_code_across_addresses(app, set_settings, plex):
    from tests.conftest import Browserless

    set_settings(INVITES_PER_CODE_LIMIT="3/hour")
    invite = service.create_invite({"max_uses": None})
    got = []
    for n in range(4):
        with app.app_context():              # a fresh `g`: each visitor gets their own CSRF token
            b = Browserless(app.test_client())
            b.get(f"/join/{invite.code}")
            got.append(b.post(f"/join/{invite.code}", data={"identifier": f"p{n}@example.com"},
                              environ_base={"REMOTE_ADDR": f"10.0.0.{n + 1}"}).status_code)
    assert got == [303, 303, 303, 429]


def test_it_drops_honeypot_submissions_quietly(web, plex):
    invite = service.create_invite({})
    web.get(f"/join/{invite.code}")
    r = web.post(f"/join/{invite.code}", data={"identifier": "friend", "website": "http://spam.example"})
    assert r.status_code == 302
    assert Redemption.select().count() == 0


def test_it_refuses_a_post_without_the_csrf_token(client, plex):
    invite = service.create_invite({})
    r = client.post(f"/join/{invite.code}", data={"identifier": "friend"})
    assert r.status_code == 400
    assert Redemption.select().count() == 0


def test_it_runs_the_global_code_request_form_with_approval(web, set_settings, plex, admin):
    set_settings(INVITE_CODE="HARBOUR-2026", INVITES_REQUIRE_APPROVAL="true")
    assert "Ask to join" in web.get("/join").get_data(as_text=True)
    wrong = web.post("/join", data={"code": "nope", "identifier": "friend@example.com"})
    assert wrong.status_code == 422 and "invite code is not right" in wrong.get_data(as_text=True)
    ok = web.post("/join", data={"code": "harbour-2026", "identifier": "friend@example.com"})
    assert ok.status_code == 303
    assert "Your request is in" in web.get(ok.headers["Location"]).get_data(as_text=True)
    r = Redemption.get()
    assert r.state == "awaiting_approval" and r.invite is None
    assert service.approve(r, actor=admin)
    assert Redemption.get_by_id(r.id).state == "invited"
    assert "Almost there" in web.get("/join/request/status").get_data(as_text=True)


def test_it_hides_the_request_form_without_a_global_code(web, plex):
    r = web.get("/join")
    page = r.get_data(as_text=True)
    # Someone who typed /join without their code is told what to ask for, not that a link expired.
    assert r.status_code == 404 and "You need an invite link" in page and "/join/7KQ2M9XH4TPB" in page
    assert "expired" not in page and "Ask to join" not in page
