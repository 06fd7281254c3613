"""The public join pages off the happy path: forgiving links, sign-in attempts with bad or foreign
pins, plex.tv slow or down while a person waits, the status page's polling, and the request form
for someone who asks twice."""
from __future__ import annotations

import pytest

from plexportal.gateways import plextv
from plexportal.invites import service
from plexportal.invites.models import Invite, Redemption
from tests.conftest import Browserless
from tests.invites.conftest import browser_pin


def start_pin(app, web, plex, invite):
    web.get(f"/join/{invite.code}")
    pin = browser_pin(plex, plextv.client_identifier())
    r = web.client.post(f"/join/{invite.code}/pin", json={"pin_id": pin["id"], "pin_code": pin["code"]},
                        headers={"X-CSRFToken": web.token})
    assert r.status_code == 200, r.get_data(as_text=True)
    return pin


def test_a_link_typed_with_dashes_or_lower_case_lands_on_the_real_one(web, plex):
    invite = service.create_invite({}, code="HARBORDOOR26")
    r = web.get("/join/harbor-door-26")
    assert r.status_code == 301 and r.headers["Location"].endswith("/join/HARB0RD00R26")
    assert web.get("/join/HARB0RD00R26").status_code == 200
    assert Invite.get_by_id(invite.id).code == "HARB0RD00R26"


def test_a_link_with_characters_no_code_has_is_gone_not_an_error(web, plex):
    for code in ("%00", "a" * 200, "<script>", "UUUUUUUUUUUU"):
        r = web.get(f"/join/{code}")
        assert r.status_code == 404 and "This invite can't be used" in r.get_data(as_text=True), code


@pytest.mark.parametrize("body", [None, [], {"pin_id": "abc", "pin_code": "X"}, {"pin_id": 5},
                                  {"pin_id": 5, "pin_code": "has space"}, {"pin_id": -1, "pin_code": "ABC"},
                                  {"pin_id": 2 ** 70, "pin_code": "ABC"}, {"pin_id": 5, "pin_code": "A" * 65}])
def test_a_pin_that_is_not_what_plex_tv_hands_out_is_refused(web, plex, body):
    invite = service.create_invite({})
    web.get(f"/join/{invite.code}")
    r = web.client.post(f"/join/{invite.code}/pin", json=body, headers={"X-CSRFToken": web.token})
    assert r.status_code == 400 and r.get_json() == {"error": "Sign-in could not start; reload the page and try again."}


def test_starting_a_sign_in_on_a_used_up_link_says_so_in_json(web, plex):
    invite = service.create_invite({"max_uses": 1})
    web.get(f"/join/{invite.code}")
    service.redeem_invite(invite.id, service.Claimant("name:x", "x", "form"))
    r = web.client.post(f"/join/{invite.code}/pin", json={"pin_id": 5, "pin_code": "ABC"},
                        headers={"X-CSRFToken": web.token})
    assert r.status_code == 410 and r.get_json() == {"error": "This invite can no longer be used."}


def test_a_pin_started_for_one_invite_does_not_redeem_another(app, web, plex):
    first = service.create_invite({})
    second = service.create_invite({})
    pin = start_pin(app, web, plex, first)
    plex.approve_pin(pin["id"], token="friend-token")
    assert web.client.get(f"/join/{second.code}/pin").get_json() == {"status": "error", "redirect": None}
    assert Redemption.select().count() == 0
    assert web.client.get(f"/join/{first.code}/pin").get_json()["status"] == "done"
    assert [r.invite_id for r in Redemption.select()] == [first.id]


def test_plex_tv_down_while_waiting_keeps_the_person_waiting(app, web, plex):
    invite = service.create_invite({})
    pin = start_pin(app, web, plex, invite)
    plex.fail_next(503, path=f"/api/v2/pins/{pin['id']}", times=3)
    assert web.client.get(f"/join/{invite.code}/pin").get_json() == {"status": "waiting", "redirect": None}
    plex.approve_pin(pin["id"], token="friend-token")
    assert web.client.get(f"/join/{invite.code}/pin").get_json()["status"] == "done"


def test_a_pin_plex_tv_no_longer_knows_sends_the_person_back_to_start(app, web, plex):
    invite = service.create_invite({})
    pin = start_pin(app, web, plex, invite)
    plex.pins.pop(pin["id"])                                   # expired at plex.tv (404)
    assert web.client.get(f"/join/{invite.code}/pin").get_json() == {"status": "error", "redirect": None}
    back = web.get(f"/join/{invite.code}/plex")
    assert back.status_code == 303 and back.headers["Location"].endswith(f"/join/{invite.code}")
    assert Redemption.select().count() == 0


def test_the_last_use_taken_while_signing_in_says_unavailable_and_uses_nothing(app, web, plex):
    invite = service.create_invite({"max_uses": 1})
    pin = start_pin(app, web, plex, invite)
    service.redeem_invite(invite.id, service.Claimant("name:other", "other", "form"))   # someone was quicker
    plex.approve_pin(pin["id"], token="friend-token")
    assert web.client.get(f"/join/{invite.code}/pin").get_json() == {"status": "unavailable",
                                                                     "redirect": f"/join/{invite.code}"}
    assert Invite.get_by_id(invite.id).use_count == 1
    assert Redemption.select().where(Redemption.account_key == "plex:42").count() == 0


def test_a_phone_coming_back_after_the_last_use_went_sees_the_gone_page(app, web, plex):
    invite = service.create_invite({"max_uses": 1})
    pin = start_pin(app, web, plex, invite)
    service.redeem_invite(invite.id, service.Claimant("name:other", "other", "form"))
    plex.approve_pin(pin["id"], token="friend-token")
    r = web.get(f"/join/{invite.code}/plex")
    assert r.status_code == 410 and "This invite can't be used" in r.get_data(as_text=True)


def test_signing_in_again_with_the_same_plex_account_shows_the_first_redemption(app, web, plex):
    invite = service.create_invite({"max_uses": 5})
    pin = start_pin(app, web, plex, invite)
    plex.approve_pin(pin["id"], token="friend-token")
    web.client.get(f"/join/{invite.code}/pin")
    again = Browserless(app.test_client())
    pin = start_pin(app, again, plex, invite)
    plex.approve_pin(pin["id"], token="friend-token")
    assert again.client.get(f"/join/{invite.code}/pin").get_json()["status"] == "done"
    assert Redemption.select().count() == 1 and Invite.get_by_id(invite.id).use_count == 1
    assert "You're in!" in again.get(f"/join/{invite.code}/status").get_data(as_text=True)


def test_the_pin_endpoints_of_an_unknown_link_are_404(web, plex):
    assert web.client.get("/join/ZZZZZZZZZZZZ/pin").status_code == 404
    assert web.get("/join/ZZZZZZZZZZZZ/plex").status_code == 404
    assert web.get("/join/ZZZZZZZZZZZZ/status").status_code == 404


def test_the_status_page_without_a_redemption_in_this_browser_goes_to_the_join_page(web, plex):
    invite = service.create_invite({})
    service.redeem_invite(invite.id, service.Claimant("name:x", "x", "form"))     # someone else's
    r = web.get(f"/join/{invite.code}/status")
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/join/{invite.code}")
    r = web.get("/join/request/status")
    assert r.status_code == 303 and r.headers["Location"].endswith("/join")


def test_the_status_polls_while_working_and_stops_when_done(web, plex, monkeypatch):
    monkeypatch.setattr(service, "enqueue_provisioning", lambda rid: None)        # the worker is busy
    invite = service.create_invite({})
    web.get(f"/join/{invite.code}")
    web.post(f"/join/{invite.code}", data={"identifier": "friend@example.com"})
    page = web.get(f"/join/{invite.code}/status").get_data(as_text=True)
    assert "Setting up your access" in page and 'hx-trigger="every 3s"' in page
    fragment = web.get(f"/join/{invite.code}/status", headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True) and "join-state" in fragment.get_data(as_text=True)
    Redemption.update(state="declined").execute()
    page = web.get(f"/join/{invite.code}/status").get_data(as_text=True)
    assert "Request not approved" in page and "hx-trigger" not in page


def test_a_typed_name_on_the_same_link_twice_is_one_redemption(web, plex):
    invite = service.create_invite({"max_uses": 3})
    web.get(f"/join/{invite.code}")
    for ident in ("Friend@Example.com", "friend@example.com"):
        assert web.post(f"/join/{invite.code}", data={"identifier": ident}).status_code == 303
    assert Redemption.select().count() == 1 and Invite.get_by_id(invite.id).use_count == 1


def test_a_link_disabled_between_page_and_submit_uses_nothing(web, plex):
    invite = service.create_invite({})
    web.get(f"/join/{invite.code}")
    service.set_enabled(invite, False)
    r = web.post(f"/join/{invite.code}", data={"identifier": "friend"})
    assert r.status_code == 410 and Redemption.select().count() == 0


def test_the_unverified_page_of_a_gone_link_is_the_gone_page(web, plex):
    invite = service.create_invite({"enabled": False})
    assert web.get(f"/join/{invite.code}/unverified").status_code == 410


def test_asking_twice_with_the_global_code_is_one_request_and_a_declined_one_may_ask_again(web, set_settings,
                                                                                          plex, admin):
    set_settings(INVITE_CODE="HARBOUR-2026", INVITES_REQUIRE_APPROVAL="true")
    web.get("/join")
    for _ in range(2):
        assert web.post("/join", data={"code": "HARBOUR-2026", "identifier": "friend@example.com"}).status_code == 303
    assert Redemption.select().count() == 1
    service.decline(Redemption.get(), actor=admin)
    web.post("/join", data={"code": "HARBOUR-2026", "identifier": "friend@example.com"})
    assert Redemption.select().count() == 2
    assert Redemption.select().where(Redemption.state == "awaiting_approval").count() == 1


def test_the_request_form_with_a_bad_name_and_code_shows_both_errors(web, set_settings, plex):
    set_settings(INVITE_CODE="HARBOUR-2026")
    web.get("/join")
    r = web.post("/join", data={"code": "wrong", "identifier": "two words"})
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "invite code is not right" in page and "Enter your Plex username" in page
    assert Redemption.select().count() == 0


def test_the_request_form_is_gone_when_the_global_code_is_removed(web, set_settings, plex):
    set_settings(INVITE_CODE="HARBOUR-2026")
    web.get("/join")
    set_settings(INVITE_CODE="")
    assert web.post("/join", data={"code": "HARBOUR-2026", "identifier": "friend"}).status_code == 404
    assert Redemption.select().count() == 0


def test_the_request_form_without_approval_shares_at_once_with_the_default_preset(web, set_settings, plex):
    from plexportal.invites.models import Preset

    Preset.create(name="Family", libraries=[1002], allow_sync=True)
    set_settings(INVITE_CODE="HARBOUR-2026", INVITES_DEFAULT_PRESET=" family ")
    web.get("/join")
    web.post("/join", data={"code": "HARBOUR-2026", "identifier": "friend@example.com"})
    r = Redemption.get()
    assert r.terms["libraries"] == [1002] and r.terms["allow_sync"] is True
    assert r.state != "awaiting_approval"
    [post] = plex.calls_to("/api/servers/machine-abc123/shared_servers", "POST")
    assert post.json["shared_server"]["library_section_ids"] == [1002]
