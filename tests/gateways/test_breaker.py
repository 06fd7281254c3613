"""A Sonarr, Radarr or Seerr that hangs costs a few timeouts, then is skipped for a while (the
breaker in gateways/rest.py), so it stalls neither the worker nor a page; the Test button still asks."""
from __future__ import annotations

import time

import pytest

from plexportal.gateways import rest, sonarr
from plexportal.gateways.base import GatewayError
from plexportal.lib.breaker import Breaker
from tests.gateways.helpers import QUICK, radarr_client, seerr_client, sonarr_client


def hang(fake) -> None:
    fake.delay = 0.8                                       # accepts every call, answers none in time


@pytest.mark.parametrize("make,which,path", [(sonarr_client, "sonarr", "/api/v3/queue"),
                                             (radarr_client, "radarr", "/api/v3/queue"),
                                             (seerr_client, "seerr", "/api/v1/request")])
def test_a_hung_host_is_skipped_after_three_timeouts(request, make, which, path, breaker):
    fake = request.getfixturevalue({"sonarr": "fake_sonarr", "radarr": "fake_radarr", "seerr": "seerr_fake"}[which])
    hang(fake)
    client = make(fake, timeout=QUICK, breaker=breaker)
    call = (lambda: client.queue()) if which != "seerr" else (lambda: client.requests_by_filter())
    for _ in range(3):
        with pytest.raises(GatewayError, match="did not answer in time"):
            call()
    started = time.monotonic()
    with pytest.raises(rest.Skipped) as err:
        call()
    assert time.monotonic() - started < 0.1                         # no timeout waited for
    name = which.title()
    assert err.value.message == f"skipped: {name} did not answer the last 3 times; asked again in 5 min."
    assert not err.value.permanent
    assert len(fake.calls_to(path)) == 3                            # the fourth call was never made


def tripped(fake):
    """A client of a hung fake whose breaker (two failures, 0.3 s cooldown) has just opened."""
    client = sonarr_client(fake, timeout=QUICK, breaker=Breaker(failures=2, cooldown=0.3))
    hang(fake)
    for _ in range(2):
        with pytest.raises(GatewayError, match="did not answer in time"):
            client.queue()
    return client


def test_after_the_cooldown_one_call_probes_and_a_good_answer_closes_it(fake_sonarr):
    client = tripped(fake_sonarr)
    with pytest.raises(rest.Skipped):
        client.queue()
    fake_sonarr.delay = 0                                  # it comes back
    time.sleep(0.35)
    assert client.queue() == []                            # the probe went through
    assert client.queue() == [] and len(fake_sonarr.calls_to("/api/v3/queue")) == 4


def test_a_probe_that_hangs_again_opens_it_at_once(fake_sonarr):
    client = tripped(fake_sonarr)
    time.sleep(0.35)
    with pytest.raises(GatewayError, match="did not answer in time"):
        client.queue()                                     # the probe
    with pytest.raises(rest.Skipped):
        client.queue()
    assert len(fake_sonarr.calls_to("/api/v3/queue")) == 3


def test_errors_the_host_answers_with_do_not_open_it(fake_sonarr, breaker):
    client = sonarr_client(fake_sonarr, breaker=breaker)
    for _ in range(5):
        fake_sonarr.fail_next(500, "boom", path="/api/v3/queue")
        with pytest.raises(GatewayError, match=r"internal error \(500\)"):
            client.queue()
    assert client.queue() == []                            # it answered every time: never skipped


def test_the_breaker_is_per_address(fake_sonarr, fake_radarr, breaker):
    hang(fake_sonarr)
    slow = sonarr_client(fake_sonarr, timeout=QUICK, breaker=breaker)
    for _ in range(3):
        with pytest.raises(GatewayError):
            slow.queue()
    with pytest.raises(rest.Skipped):
        slow.queue()
    assert radarr_client(fake_radarr, breaker=breaker).queue() == []


def test_the_shared_breaker_is_what_clients_use_by_default_and_the_test_button_ignores_it(fake_sonarr):
    hang(fake_sonarr)
    client = sonarr.SonarrClient(sonarr.ArrSettings(fake_sonarr.url, "arr-key"), timeout=QUICK, retries=0)
    for _ in range(3):
        with pytest.raises(GatewayError):
            client.queue()
    with pytest.raises(rest.Skipped):
        sonarr.SonarrClient(sonarr.ArrSettings(fake_sonarr.url + "/", "arr-key"), retries=0).queue()
    fake_sonarr.delay = 0
    result = sonarr.check(fake_sonarr.url, "arr-key")      # the admin asked: always really ask
    assert result.ok, result.message
