"""Concurrent writers on the embedded SQLite database wait for each other instead of failing."""
import threading
import time

import pytest

from plexportal.admin.models import AuditEntry
from plexportal.db import db


@pytest.mark.sqlite_only
def test_it_lets_two_read_then_write_transactions_run_at_once(app):
    errors = []
    start = threading.Barrier(2)

    def worker(n):
        try:
            with app.app_context():
                db.connect(reuse_if_open=True)
                start.wait()
                with db.atomic():
                    AuditEntry.select().count()          # read first…
                    time.sleep(0.3)                      # …while the other transaction reads too…
                    AuditEntry.create(action="test", message=f"writer {n}")   # …then write
                db.close()
        except Exception as err:  # noqa: BLE001 - collected for the assertion
            errors.append(repr(err))

    threads = [threading.Thread(target=worker, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    with db.connection_context():
        assert AuditEntry.select().where(AuditEntry.action == "test").count() == 2
