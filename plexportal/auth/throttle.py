"""The sign-in throttle: 5 failed attempts per 5 minutes per client address.

Flask-Limiter's store (memory://, or Redis with PLEXPORTAL_REDIS_URL) keeps the counts, but the
check and the charge happen here, around the password check, under a lock per address: with
deduct_when the window is tested before the request and charged after it, so a burst of
simultaneous guesses could all pass the test before any was charged."""
from __future__ import annotations

import threading
import zlib
from contextlib import contextmanager

from flask import abort, current_app
from limits import parse

from plexportal.extensions import limiter

LOGIN_LIMIT = parse("5 per 5 minutes")
_SCOPE = "auth.login"
# Striped locks: bounded memory whatever the number of addresses; two addresses sharing a stripe
# only wait for each other's password check (~0.2 s).
_locks = [threading.Lock() for _ in range(64)]


def _strategy():
    return limiter.limiter if limiter.enabled and limiter.initialized else None


@contextmanager
def attempt(address: str):
    """`with attempt(addr) as record_failure:` answers 429 when the address has used its
    allowance, else runs the block; call `record_failure()` when the password was wrong."""
    # The same key prefix as every other limit (RATELIMIT_KEY_PREFIX), so installs and test runs
    # sharing one Redis keep their counts apart.
    key = [p for p in (current_app.config.get("RATELIMIT_KEY_PREFIX"), _SCOPE, address) if p]
    with _locks[zlib.crc32(address.encode()) % len(_locks)]:
        strategy = _strategy()
        if strategy is not None and not strategy.test(LOGIN_LIMIT, *key):
            abort(429)

        def record_failure():
            if strategy is not None:
                strategy.hit(LOGIN_LIMIT, *key)
        yield record_failure
