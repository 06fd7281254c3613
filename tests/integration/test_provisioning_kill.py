"""A worker SIGKILLed while it provisions an invite (a slow plex.tv call in flight), on SQLite and
on PostgreSQL + Redis: when it comes back, the redemption is taken over within a lease (here 2 s)
of its return, and the server is shared with the person once."""
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.fakes.plextv import ADMIN_TOKEN, FakePlexTV, FakePlexWithLibraries
from tests.integration.test_worker_kill import spawn_worker
from tests.live import ROOT, LiveServer, flask_cli

pytestmark = pytest.mark.slow
MID = "machine-abc123"

REDEEM = """
from plexportal import create_app
from plexportal.db import db, db_session
from plexportal.invites import service
from plexportal.invites.models import Redemption
app = create_app()
with app.app_context(), db_session():
    invite = service.create_invite({"libraries": [1002]})
    with db.atomic():
        r = Redemption.create(invite=invite, account_key="plex:42", identifier="friend@example.com", via="form",
                              email="friend@example.com", terms=service.terms_of(invite), state="claimed")
        service.enqueue_provisioning(r.id)
"""

STATE = """
from plexportal import create_app
from plexportal.db import db_session
from plexportal.invites.models import Redemption
app = create_app()
with app.app_context(), db_session():
    print(Redemption.select().first().state)
"""


def test_a_killed_workers_invite_is_provisioned_within_a_lease_of_its_return(tmp_path, storage_env):
    plextv = FakePlexTV().start()
    plextv.add_account(42, "friend", "friend@example.com", "friend-token")
    pms = FakePlexWithLibraries(token=ADMIN_TOKEN).start()
    server = LiveServer(tmp_path / "data", {
        **storage_env, "PLEXPORTAL_PLEX_URL": pms.url, "PLEXPORTAL_PLEX_TOKEN": ADMIN_TOKEN,
        "PLEXPORTAL_PLEX_TV_URL": plextv.url, "PLEXPORTAL_PLEX_CLIENTS_URL": plextv.url,
        "PLEXPORTAL_WORKER_LEASE_SECONDS": "2",
    })
    flask_cli(server.env, "db", "upgrade")
    try:
        plextv.delay = 4                                   # every plex.tv call is slow
        subprocess.run([sys.executable, "-c", REDEEM], cwd=ROOT, env=server.env, check=True, timeout=60)
        spawn_worker(server)
        deadline = time.monotonic() + 60
        while not plextv.calls and time.monotonic() < deadline:
            time.sleep(0.05)
        assert plextv.calls, server.log("worker")[-3000:]
        worker = server.procs["worker"]
        os.killpg(worker.pid, signal.SIGKILL)             # in the middle of talking to plex.tv
        worker.wait(10)
        plextv.delay = 0

        back = time.monotonic()
        spawn_worker(server)
        shared = []
        while time.monotonic() - back < 60:
            shared = plextv.calls_to(f"/api/servers/{MID}/shared_servers", "POST")
            if shared:
                break
            time.sleep(0.1)
        recovered = time.monotonic() - back
        assert shared, server.log("worker")[-3000:]
        assert recovered < 30, recovered                  # a 2 s lease plus start-up, not 5 minutes
        time.sleep(1)
        state = subprocess.run([sys.executable, "-c", STATE], cwd=ROOT, env=server.env, check=True,
                               capture_output=True, text=True).stdout.strip()
        assert state == "invited"
        assert len(plextv.calls_to(f"/api/servers/{MID}/shared_servers", "POST")) == 1
    finally:
        server.stop()
        plextv.stop()
        pms.stop()
