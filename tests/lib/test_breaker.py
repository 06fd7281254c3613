"""The per-host circuit breaker on its own: it opens after N failures in a row, lets exactly one
probe through after the cooldown, closes on a success, keeps hosts apart, and holds under threads."""
from __future__ import annotations

import threading
import time

from plexportal.lib.breaker import Breaker
from plexportal.lib.metrics import grouped_counter


def test_it_opens_only_after_the_set_number_of_failures_in_a_row():
    b = Breaker(failures=3, cooldown=60)
    b.failed("sonarr")
    b.failed("sonarr")
    assert b.open_until("sonarr") is None
    b.succeeded("sonarr")                                  # a success in between starts the count again
    b.failed("sonarr")
    b.failed("sonarr")
    assert b.open_until("sonarr") is None
    b.failed("sonarr")
    until = b.open_until("sonarr")
    assert until is not None and 59 < until - time.monotonic() <= 60


def test_hosts_are_kept_apart():
    b = Breaker(failures=1, cooldown=60)
    b.failed("sonarr")
    assert b.open_until("sonarr") is not None and b.open_until("radarr") is None


def test_after_the_cooldown_one_probe_goes_and_the_others_wait():
    b = Breaker(failures=1, cooldown=0.2)
    b.failed("h")
    assert b.open_until("h") is not None
    time.sleep(0.25)
    assert b.open_until("h") is None                       # the probe
    assert b.open_until("h") is not None                   # everyone else waits while it probes
    b.failed("h")                                          # the probe failed: closed for another cooldown
    assert b.open_until("h") is not None
    time.sleep(0.25)
    assert b.open_until("h") is None
    b.succeeded("h")                                       # the probe worked: back to normal
    assert b.open_until("h") is None and b.open_until("h") is None


def test_reset_forgets_every_host():
    b = Breaker(failures=1, cooldown=60)
    b.failed("a")
    b.failed("b")
    b.reset()
    assert b.open_until("a") is None and b.open_until("b") is None


def test_exactly_one_of_many_threads_gets_the_probe():
    b = Breaker(failures=1, cooldown=0.1)
    b.failed("h")
    time.sleep(0.15)
    barrier = threading.Barrier(16)
    went = []

    def ask():
        barrier.wait()
        if b.open_until("h") is None:
            went.append(1)

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert len(went) == 1


def test_grouped_counter_turns_rows_into_labelled_samples():
    family = grouped_counter("plexportal_things", "Things.", ["state", "kind"], [("ok", "a", 3), (None, 5, 1)])
    samples = {tuple(sorted(s.labels.items())): s.value for s in family.samples}
    assert samples == {(("kind", "a"), ("state", "ok")): 3, (("kind", "5"), ("state", "None")): 1}
    assert family.name == "plexportal_things"
