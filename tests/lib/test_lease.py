"""Leases on rows: each claimant has its own name, and a Heartbeat keeps renewing while work runs,
survives a failed renewal, and stops as soon as the work ends."""
from __future__ import annotations

import threading
import time

from plexportal.lib import lease


def test_every_claimant_gets_a_different_name_even_in_one_process():
    names = {lease.holder_id() for _ in range(50)}
    assert len(names) == 50
    host, pid, _ = next(iter(names)).split(":")
    import os

    assert pid == str(os.getpid()) and len(host) <= 30


def test_the_heartbeat_renews_while_the_block_runs_and_then_stops(app):
    beats = []
    with lease.Heartbeat(lambda: beats.append(time.monotonic()), every=0.2):
        time.sleep(0.75)
    during = len(beats)
    assert during >= 2
    time.sleep(0.5)
    assert len(beats) == during                                   # no beat after the block ended


def test_a_failed_renewal_is_logged_and_the_next_beat_still_comes(app, caplog):
    calls = []

    def renew():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database is locked")

    with lease.Heartbeat(renew, every=0.2):
        time.sleep(0.7)
    assert len(calls) >= 2
    assert "could not renew a lease" in caplog.text


def test_the_heartbeat_never_beats_faster_than_five_times_a_second():
    assert lease.Heartbeat(lambda: None, every=0).every == 0.2
    assert lease.Heartbeat(lambda: None, every=30).every == 30


def test_leaving_the_block_on_an_error_stops_the_thread_and_lets_the_error_through(app):
    hb = lease.Heartbeat(lambda: None, every=5)
    try:
        with hb:
            raise KeyError("boom")
    except KeyError:
        pass
    assert hb._thread is not None and not hb._thread.is_alive()
    assert not [t for t in threading.enumerate() if t.name == "lease-heartbeat" and t is hb._thread]
