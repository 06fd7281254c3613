"""A worker SIGKILLed in the middle of sending, on SQLite and on PostgreSQL + Redis: when it comes
back, what the dead worker held goes out within a lease (here 2 s) of its return, every message
arrives, and only the message each sender thread had on the wire may arrive twice."""
import os
import signal
import time
from collections import Counter

import pytest

from tests.conftest import PASSWORD
from tests.integration import rows
from tests.integration.conftest import signed_in_session
from tests.live import BIN, LiveServer, flask_cli

pytestmark = pytest.mark.slow
N = 24
WORKERS = 2          # consumer threads: each sends on its own, so each may hold one message


def spawn_worker(server: LiveServer) -> None:
    server._spawn("worker", [str(BIN / "huey_consumer"), "plexportal.worker.huey", "--workers", str(WORKERS),
                             "--worker-type", "thread", "--delay", "0.1", "--max-delay", "0.5"])


def test_it_recovers_a_killed_workers_messages_within_a_lease_of_its_return(tmp_path, storage_env, smtp_server):
    server = LiveServer(tmp_path / "data", {
        **storage_env,
        "PLEXPORTAL_SMTP_HOST": "127.0.0.1", "PLEXPORTAL_SMTP_PORT": str(smtp_server.port),
        "PLEXPORTAL_SMTP_SECURITY": "none", "PLEXPORTAL_SMTP_FROM": "portal@example.com",
        "PLEXPORTAL_WORKER_LEASE_SECONDS": "2",
    })
    flask_cli(server.env, "db", "upgrade")
    flask_cli(server.env, "create-admin", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    server.start()
    try:
        web = signed_in_session(server.url)
        rows.queue(server.env, rows.EMAILS, N)          # written while no worker runs
        smtp_server.delay = 0.25
        spawn_worker(server)
        smtp_server.wait_for(N // 3, timeout=60)
        worker = server.procs["worker"]
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        at_kill = len(smtp_server.messages)
        time.sleep(0.5)
        assert len(smtp_server.messages) - at_kill <= WORKERS   # the DATA already on the wire, at most
        smtp_server.delay = 0

        back = time.monotonic()
        spawn_worker(server)                                  # the worker comes back
        deadline = back + 60
        while time.monotonic() < deadline:
            if {m["To"] for m in smtp_server.messages} >= {f"p{i}@example.com" for i in range(N)}:
                break
            time.sleep(0.1)
        recovered = time.monotonic() - back
        received = Counter(m["To"] for m in smtp_server.messages)
        assert set(received) == {f"p{i}@example.com" for i in range(N)}, (recovered, server.logs())
        assert recovered < 30, server.logs()              # within a 2 s lease plus start-up, not 10 minutes
        # Each of the worker's sender threads had at most the one message it was sending.
        twice = [to for to, count in received.items() if count > 1]
        assert len(twice) <= WORKERS and all(received[to] == 2 for to in twice)
        page = web.get(server.url + "/notify/?flagged=1", timeout=10).text
        for to in twice:                                  # and the page says which ones
            assert to in page and "may arrive twice" in page
    finally:
        server.stop()
