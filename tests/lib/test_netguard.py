"""A person's own ntfy/Gotify server may only be reached on a public address (SSRF): the check is
made where urllib3 connects, so requests and Apprise are both covered, and only inside the block."""
from __future__ import annotations

import ipaddress
import threading

import pytest
import requests
from flask import Flask

from plexportal.lib import netguard
from tests.fakes.server import FakeService


class Echo(FakeService):
    name = "echo"

    def routes(self, app: Flask) -> None:
        @app.get("/")
        def root():
            return "hello"


@pytest.fixture
def echo():
    fake = Echo().start()
    yield fake
    fake.stop()


@pytest.mark.parametrize("address,public", [
    ("127.0.0.1", False), ("10.1.2.3", False), ("192.168.0.10", False), ("172.16.5.5", False),
    ("169.254.169.254", False),            # the cloud metadata address
    ("100.64.0.1", False),                 # carrier-grade NAT
    ("0.0.0.0", False), ("224.0.0.251", False), ("::1", False), ("fe80::1", False), ("fd00::1", False),
    ("::ffff:10.0.0.1", False),            # a private IPv4 address written as IPv6
    ("::ffff:8.8.8.8", True), ("8.8.8.8", True), ("2606:4700:4700::1111", True),
])
def test_it_calls_only_global_unicast_addresses_public(address, public):
    assert netguard.is_public(address) is public
    assert netguard.is_public(ipaddress.ip_address(address)) is public


def test_it_refuses_a_loopback_destination_and_names_it(echo):
    with netguard.public_only() as policy, pytest.raises(requests.ConnectionError) as caught:
        requests.get(echo.url, timeout=3)
    assert "127.0.0.1 is not a public address" in str(caught.value)
    assert policy.blocked == ["127.0.0.1"]
    assert echo.calls == []                                          # nothing ever reached the server


def test_it_refuses_a_name_that_resolves_to_loopback(echo):
    with netguard.public_only() as policy, pytest.raises(requests.ConnectionError):
        requests.get(f"http://localhost:{echo.port}/", timeout=3)
    assert policy.blocked == ["localhost"]
    assert echo.calls == []


@pytest.mark.parametrize("allowed", [["127.0.0.1"], ["127.0.0.0/8"], ["  127.0.0.1  "], ["nonsense/99", "127.0.0.1"]])
def test_it_lets_the_admins_allowlist_through_by_address_or_network(echo, allowed):
    with netguard.public_only(allowed) as policy:
        assert requests.get(echo.url, timeout=3).text == "hello"
    assert policy.blocked == []


def test_it_matches_an_allowed_host_name_without_case_or_trailing_dot(echo):
    with netguard.public_only(["LOCALHOST."]):
        assert requests.get(f"http://localhost:{echo.port}/", timeout=3).text == "hello"


def test_an_empty_or_unrelated_allowlist_entry_opens_nothing(echo):
    with netguard.public_only(["", "   ", "example.org", "10.0.0.0/8"]) as policy, \
            pytest.raises(requests.ConnectionError):
        requests.get(echo.url, timeout=3)
    assert policy.blocked == ["127.0.0.1"]


def test_it_guards_only_inside_the_block_and_only_in_its_own_thread(echo):
    assert requests.get(echo.url, timeout=3).text == "hello"        # the app's own calls are not affected
    seen = []

    def other_thread():
        seen.append(requests.get(echo.url, timeout=3).text)

    with netguard.public_only():
        t = threading.Thread(target=other_thread)
        t.start()
        t.join(10)
        with pytest.raises(requests.ConnectionError):
            requests.get(echo.url, timeout=3)
    assert seen == ["hello"]
    assert requests.get(echo.url, timeout=3).text == "hello"        # and the guard is gone afterwards


def test_it_restores_the_outer_policy_when_blocks_nest(echo):
    with netguard.public_only(["127.0.0.1"]):
        with netguard.public_only(), pytest.raises(requests.ConnectionError):
            requests.get(echo.url, timeout=3)
        assert requests.get(echo.url, timeout=3).text == "hello"


def test_check_resolves_every_address_and_refuses_if_any_is_private():
    policy = netguard.Policy()
    with pytest.raises(netguard.Blocked):
        netguard.check("127.0.0.1", 80, policy)
    assert netguard.check("127.0.0.1", 80, netguard.Policy(["127.0.0.1"])) == ["127.0.0.1"]
    assert netguard.resolve("::1", None) == ["::1"]
    # An IPv6 link-local literal with a zone id is read without the zone.
    assert netguard.Policy(["fe80::/10"]).allows("x", "fe80::1%eth0") is True
    assert netguard.Policy().allows("x", "fe80::1%eth0") is False


@pytest.mark.parametrize(("host", "allowed", "expected"), [
    ("push.example.", ["PUSH.example"], True),          # a name, whatever its case or final dot
    ("127.0.0.1", ["127.0.0.0/8"], True),               # an IP literal inside a listed network
    ("::1", ["::1/128"], True),
    ("10.1.2.3", ["10.1.2.0/24", ""], True),
    ("10.1.3.3", ["10.1.2.0/24"], False),
    ("push.example", ["127.0.0.0/8", " ", "not a network"], False),   # a name is never in a network
    ("pushexample", ["push.example"], False),
])
def test_listed_is_one_answer_for_the_guard_and_for_push_endpoints(host, allowed, expected):
    assert netguard.listed(host, allowed) is expected
