"""Leases: a claim on a row that lasts only while its holder is alive.

A worker claims a row with a conditional UPDATE that records who holds it (`holder_id()`) and
until when (`lease_until`). While it works, a `Heartbeat` thread renews the lease every third of
its length, so a slow upstream (an SMTP server taking ten minutes to accept a message) never
makes the claim look abandoned. A worker that is killed stops renewing: its rows are free again
when the lease runs out, a minute or two later instead of after a fixed "stuck" timeout.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from typing import Literal, Self

log = logging.getLogger(__name__)


def holder_id() -> str:
    """Names one claimant: host, process and a random part (two senders in one process differ)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


class Heartbeat:
    """`with Heartbeat(renew, every=30): ...` calls `renew()` every `every` seconds from a thread of
    its own (with a database connection of its own) until the block ends."""

    def __init__(self, renew: Callable[[], object], every: float):
        self.renew = renew
        self.every = max(0.2, every)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        from plexportal.db import db_session

        while not self._stop.wait(self.every):
            try:
                with db_session():
                    self.renew()
            except Exception:  # try again at the next beat; the lease has slack
                log.exception("could not renew a lease")

    def __enter__(self) -> Self:
        self._thread = threading.Thread(target=self._run, name="lease-heartbeat", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        return False
