"""A circuit breaker per upstream host: after `failures` timeouts or connection failures in a row,
calls to that host are skipped (fail at once) for `cooldown` seconds, then one call is let through
to see whether it is back. So a hung server costs a few timeouts, not one per message, and the
worker's other work keeps flowing. State lives in the process (each worker learns for itself)."""
from __future__ import annotations

import threading
import time


class Breaker:
    def __init__(self, failures: int = 3, cooldown: float = 300.0):
        self.failures = failures
        self.cooldown = cooldown
        self._lock = threading.Lock()
        self._state: dict[str, tuple[int, float]] = {}      # host → (failures in a row, open until)

    def open_until(self, host: str) -> float | None:
        """Monotonic time until which calls to `host` are skipped, or None to go ahead. When the
        cooldown has passed, one caller is let through (the half-open probe)."""
        now = time.monotonic()
        with self._lock:
            count, until = self._state.get(host, (0, 0.0))
            if count < self.failures:
                return None
            if until > now:
                return until
            self._state[host] = (count, now + self.cooldown)  # the others wait while this one probes
            return None

    def failed(self, host: str) -> None:
        with self._lock:
            count, _ = self._state.get(host, (0, 0.0))
            count += 1
            self._state[host] = (count, time.monotonic() + self.cooldown if count >= self.failures else 0.0)

    def succeeded(self, host: str) -> None:
        with self._lock:
            self._state.pop(host, None)

    def reset(self) -> None:
        with self._lock:
            self._state.clear()
