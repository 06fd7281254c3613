"""A Plex that hangs, against the real worker process: other messages go out at once, and the
messages waiting on Plex go out flagged when max wait is reached, not minutes later."""
import time

import pytest

from tests.fakes.plex import FakePlex
from tests.integration import rows
from tests.live import LiveServer, flask_cli

pytestmark = pytest.mark.slow



def test_a_hung_plex_delays_nothing_else_and_max_wait_holds(tmp_path, storage_env, smtp_server):
    plex = FakePlex(token="plex-token").start()
    plex.delay = 120                                           # never answers in time
    server = LiveServer(tmp_path / "data", {
        **storage_env,
        "PLEXPORTAL_SMTP_HOST": "127.0.0.1", "PLEXPORTAL_SMTP_PORT": str(smtp_server.port),
        "PLEXPORTAL_SMTP_SECURITY": "none", "PLEXPORTAL_SMTP_FROM": "portal@example.com",
        "PLEXPORTAL_PLEX_URL": plex.url, "PLEXPORTAL_PLEX_TOKEN": "plex-token",
        "PLEXPORTAL_AVAILABILITY_CHECK": "plex", "PLEXPORTAL_AVAILABILITY_TIMEOUT": "2",
        "PLEXPORTAL_AVAILABILITY_RETRY": "5", "PLEXPORTAL_AVAILABILITY_MAX_WAIT": "20",
    }, worker=False)
    flask_cli(server.env, "db", "upgrade")
    rows.queue(server.env, rows.READY_AND_ONE_ALERT, 20)
    try:
        started = time.monotonic()
        server.want_worker = True
        server.start()
        smtp_server.wait_for(1, timeout=30)
        first = smtp_server.messages[0]
        assert first["To"] == "owner@example.com"              # not queued behind 20 Plex timeouts
        plain_after = time.monotonic() - started
        smtp_server.wait_for(21, timeout=90)
        all_after = time.monotonic() - started
        assert all_after < 20 + 60, (plain_after, all_after)    # max wait (20 s) holds within a minute
        # Checks already in flight when the breaker opened still finish (a few sender passes, four
        # checks each); after that Plex is not asked again: fewer calls than messages, where
        # re-checking every 5 s for 20 s would have asked about 80 times.
        assert len(plex.calls) < 20, len(plex.calls)
        print(f"plain message after {plain_after:.1f} s; all 21 after {all_after:.1f} s")
    finally:
        server.stop()
        plex.stop()
    assert "Traceback" not in server.log("worker"), server.log("worker")[-3000:]
