"""Host headers a DNS-rebinding page or a confused proxy may send, beyond tests/security/test_hosts.py:
malformed brackets and ports, look-alike names around a wildcard, and names with a trailing dot."""
from __future__ import annotations

import pytest

from plexportal.auth import hosts


@pytest.mark.parametrize("header, name", [
    ("Portal.Example.com:8000", "portal.example.com"),
    ("portal.example.com.", "portal.example.com"),
    ("[::1]:8000", "[::1]"),
    ("[::1", ""),                          # an unclosed bracket
    ("portal.example.com:http", ""),       # a port that is not a number
    ("", ""),
    ("  ", ""),
])
def test_the_name_part_of_a_host_header(header, name):
    assert hosts.hostname(header) == name


@pytest.mark.parametrize("header, allowed", [
    ("tv.home.example", True),
    ("a.b.home.example", True),
    ("home.example", False),                # the wildcard is for names under it, not the name itself
    ("evilhome.example", False),            # a look-alike that only ends with the same letters
    ("home.example.evil.example", False),
    ("portal.example.com", True),           # BASE_URL's host
    ("portal.example.com.evil.example", False),
    ("[::1", False),
    ("portal.example.com:http", False),
    ("10.0.0.7:8000", True),                # IP literals: rebinding needs a name
    ("app.localhost", True),
])
def test_which_names_are_let_in(db, set_settings, header, allowed):
    set_settings(BASE_URL="https://portal.example.com/plex", ALLOWED_HOSTS="*.home.example")
    assert hosts.is_allowed(header) is allowed


def test_allowed_names_come_from_both_settings_cleaned(db, set_settings):
    set_settings(BASE_URL="https://Portal.Example.com./", ALLOWED_HOSTS="TV.home.example., *.lan.example")
    assert sorted(hosts.allowed_names()) == ["*.lan.example", "portal.example.com", "tv.home.example"]

