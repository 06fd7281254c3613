"""The Apprise gateway against a loopback push receiver: what each answer becomes, that the URL
(which carries tokens) never shows in an error, that a person's own destination may not reach the
local network, and that a destination's redirect is not followed."""
from __future__ import annotations

import pytest
from flask import Response

from plexportal.gateways import apprise as gw
from plexportal.gateways.base import GatewayError
from tests.fakes.push import FakePush


@pytest.fixture
def push():
    fake = FakePush().start()
    yield fake
    fake.stop()


def url(push, path="hooks/plex-secret-token"):
    return f"json://127.0.0.1:{push.port}/{path}"


def test_a_message_arrives_with_its_title_and_body(push):
    gw.send(url(push), "Backup failed", "The nightly run stopped.")
    [call] = push.calls_to("/hooks/plex-secret-token", "POST")
    assert (call.json["title"], call.json["message"]) == ("Backup failed", "The nightly run stopped.")


def test_an_empty_body_sends_the_title_and_a_long_title_is_cut(push):
    gw.send(url(push), "T" * 400, "")
    [call] = push.calls
    assert call.json["message"] == "T" * 400 and len(call.json["title"]) == 250


@pytest.mark.parametrize("status,permanent", [(400, True), (401, True), (404, True), (408, False), (429, False),
                                              (500, False), (503, False)])
def test_each_answer_becomes_a_retry_decision_without_the_url(push, status, permanent):
    push.fail_next(status, "nope")
    with pytest.raises(GatewayError) as err:
        gw.send(url(push), "t", "b")
    assert err.value.permanent is permanent and err.value.status == status
    assert err.value.message.startswith("Not delivered: ")
    assert "plex-secret-token" not in err.value.message and f":{push.port}" not in err.value.message


def test_nothing_listening_is_worth_retrying():
    with pytest.raises(GatewayError) as err:
        gw.send("json://127.0.0.1:9/x", "t", "b")
    assert not err.value.permanent


def test_a_url_apprise_cannot_use_is_permanent():
    for bad in ("nonsense://x", "", "json://"):
        with pytest.raises(GatewayError, match="not valid for Apprise") as err:
            gw.send(bad, "t", "b")
        assert err.value.permanent
        assert gw.is_valid(bad) is False
    assert gw.is_valid("ntfy://ntfy.sh/topic") is True


def test_a_persons_destination_on_the_local_network_is_refused_unless_allowed(push):
    with pytest.raises(GatewayError, match="not a public address") as err:
        gw.send(url(push), "t", "b", public_only=True)
    assert err.value.permanent and push.calls == []
    gw.send(url(push), "t", "b", public_only=True, allowed=["127.0.0.1"])
    assert len(push.calls) == 1


def test_a_destination_that_redirects_is_not_followed(push):
    target = FakePush().start()
    try:
        push.app.view_functions["receive"] = lambda path: Response("", 307, headers={"Location": target.url + "/x"})
        with pytest.raises(GatewayError):
            gw.send(url(push) + "?redirect=yes", "t", "b")
        assert target.calls == []
    finally:
        target.stop()


@pytest.mark.parametrize("address,expected", [
    ("ntfy://topic", None),                                      # ntfy's own cloud
    ("ntfy://ntfy.sh/topic", ("ntfy.sh", None)),                 # named: the caller knows it is public
    ("ntfy://192.168.1.5:8080/topic", ("192.168.1.5", 8080)),
    ("gotify://gotify.lan/token123456789", ("gotify.lan", None)),
    ("json://hooks.lan:9000/x", ("hooks.lan", 9000)),
    ("discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js", None),
    ("nonsense://x", None),
])
def test_it_knows_which_destinations_are_self_hosted(address, expected):
    assert gw.self_hosted_address(address) == expected
