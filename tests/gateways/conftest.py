"""Gateways against their fakes: real HTTP on 127.0.0.1, no app, no database. The fakes speak the
wire formats of ../shared/reference/webhooks.md (§3.4 Seerr, §4 Sonarr/Radarr), so these are the
contract tests: what a gateway sends, and what it makes of every kind of answer."""
from __future__ import annotations

import pytest

from tests.gateways.helpers import radarr_client, seerr_client, sonarr_client


@pytest.fixture
def seerr_fake():
    """Seerr with reported issues (comment, resolve): the root fake_seerr has none."""
    from tests.fakes.seerr_issues import FakeSeerrIssues

    fake = FakeSeerrIssues().start()
    yield fake
    fake.stop()


@pytest.fixture
def breaker():
    """A breaker of the gateways' own kind, private to the test."""
    from plexportal.lib.breaker import Breaker

    return Breaker(failures=3, cooldown=300)


@pytest.fixture
def sonarr(fake_sonarr):
    return sonarr_client(fake_sonarr)


@pytest.fixture
def radarr(fake_radarr):
    return radarr_client(fake_radarr)


@pytest.fixture
def seerr(seerr_fake):
    return seerr_client(seerr_fake)

