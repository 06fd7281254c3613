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
    fake = request.getfixturevalue(f"{which}_fake")
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


def test_after_the_cooldown_one_call_probes_and_a_good_answer_closes_it(sonarr_fake):
    breaker = Breaker(failures=2, cooldown=0.3)
    client = sonarr_client(sonarr_fake, timeout=QUICK, breaker=breaker)
    hang(sonarr_fake)
    for _ in range(2):
        with pytest.raises(GatewayError):
            client.queue()
    with pytest.raises(rest.Skipped):
        client.queue()
    sonarr_fake.delay = 0                                  # it comes back
    time.sleep(0.35)
    assert client.queue() == []                            # the probe went through
    assert client.queue() == [] and len(sonarr_fake.calls_to("/api/v3/queue")) == 4


def test_a_probe_that_hangs_again_opens_it_at_once(sonarr_fake):
    breaker = Breaker(failures=2, cooldown=0.3)
    client = sonarr_client(sonarr_fake, timeout=QUICK, breaker=breaker)
    hang(sonarr_fake)
    for _ in range(2):
        with pytest.raises(GatewayError):
            client.queue()
    time.sleep(0.35)
    with pytest.raises(GatewayError, match="did not answer in time"):
        client.queue()                                     # the probe
    with pytest.raises(rest.Skipped):
        client.queue()
    assert len(sonarr_fake.calls_to("/api/v3/queue")) == 3


def test_errors_the_host_answers_with_do_not_open_it(sonarr_fake, breaker):
    client = sonarr_client(sonarr_fake, breaker=breaker)
    for _ in range(5):
        sonarr_fake.fail_next(500, "boom", path="/api/v3/queue")
        with pytest.raises(GatewayError, match=r"internal error \(500\)"):
            client.queue()
    assert client.queue() == []                            # it answered every time: never skipped


def test_the_breaker_is_per_address(sonarr_fake, radarr_fake, breaker):
    hang(sonarr_fake)
    slow = sonarr_client(sonarr_fake, timeout=QUICK, breaker=breaker)
    for _ in range(3):
        with pytest.raises(GatewayError):
            slow.queue()
    with pytest.raises(rest.Skipped):
        slow.queue()
    assert radarr_client(radarr_fake, breaker=breaker).queue() == []


def test_the_shared_breaker_is_what_clients_use_by_default_and_the_test_button_ignores_it(sonarr_fake):
    hang(sonarr_fake)
    client = sonarr.SonarrClient(sonarr.ArrSettings(sonarr_fake.url, "arr-key"), timeout=QUICK, retries=0)
    for _ in range(3):
        with pytest.raises(GatewayError):
            client.queue()
    with pytest.raises(rest.Skipped):
        sonarr.SonarrClient(sonarr.ArrSettings(sonarr_fake.url + "/", "arr-key"), retries=0).queue()
    sonarr_fake.delay = 0
    result = sonarr.check(sonarr_fake.url, "arr-key")      # the admin asked: always really ask
    assert result.ok, result.message
