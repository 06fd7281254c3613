"""Rows written into a live server's database by another process, as the web or an earlier worker
would have left them (used by the integration tests and bench/delivery_faults.py)."""
from __future__ import annotations

import subprocess
import sys

from tests.live import ROOT

EMAILS = """
from plexportal import create_app
from plexportal.db import db_session
from plexportal.notify import service
app = create_app()
with app.app_context(), db_session():
    for i in range({n}):
        service.queue_email(f"p{{i}}@example.com", f"m{{i}}", "text", kick=False)
"""

READY_AND_ONE_ALERT = """
from plexportal import create_app
from plexportal.db import db_session
from plexportal.lib import clock
from plexportal.notify import service
from plexportal.notify.models import Notification
app = create_app()
with app.app_context(), db_session():
    now = clock.now()
    for i in range({n}):
        Notification.create(kind="media.ready", channel="email", destination=f"v{{i}}@example.com",
                            payload={{"media_type": "movie", "title": f"Film {{i}}", "ids": {{"tmdb": 1000 + i}},
                                      "items": []}}, status="pending", send_after=now, first_item_at=now,
                            created_at=now)
    service.queue_email("owner@example.com", "Backup failed", "text", kick=False)
"""


def queue(env: dict, script: str, n: int) -> None:
    """Run one of the scripts above with the server's environment (its database and queue)."""
    subprocess.run([sys.executable, "-c", script.format(n=n)], cwd=ROOT, env=env, check=True, timeout=60)
