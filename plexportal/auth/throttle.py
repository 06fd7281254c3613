"""Throttle a check per key: "N failures per window" for anything that checks a secret.

A `Throttle` counts failures per key (usually the client address, or address + what was tried)
in Flask-Limiter's store (memory://, or Redis with PLEXPORTAL_REDIS_URL). A key that has used its
allowance is refused (429) before the check runs, even when the secret would be right; successes
cost nothing. Check and charge happen under a lock per key: with Flask-Limiter's deduct_when the
window is tested before the request and charged after it, so a burst of simultaneous guesses could
all pass the test before any was charged.

    LOGIN = Throttle("auth.login", "5 per 5 minutes")
    with LOGIN.attempt(client_address()) as record_failure:
        if not check():
            record_failure()

Sign-in methods, the API key, the webhook secret and the global invite code each use one
(docs/architecture.md lists them). Outside a request (the webhook layer runs before Flask) pass
`prefix=` yourself.
"""
from __future__ import annotations

import threading
import zlib
from contextlib import contextmanager

from flask import abort, current_app, has_app_context
from limits import parse

from plexportal.extensions import limiter

# Striped locks: bounded memory whatever the number of keys; two keys sharing a stripe only wait
# for each other's check (a password check is ~0.2 s).
_locks = [threading.Lock() for _ in range(64)]


class Throttled(Exception):
    """Raised by `Throttle.attempt(..., abort_with=None)`: the key has used its allowance."""


class Throttle:
    def __init__(self, scope: str, limit: str):
        self.scope = scope
        self.limit = parse(limit)
        self.text = limit

    @staticmethod
    def _strategy():
        return limiter.limiter if limiter.enabled and limiter.initialized else None

    def _key(self, key: str, prefix: str | None) -> list[str]:
        # The same key prefix as every other limit (RATELIMIT_KEY_PREFIX), so installs and test
        # runs sharing one Redis keep their counts apart.
        if prefix is None and has_app_context():
            prefix = current_app.config.get("RATELIMIT_KEY_PREFIX")
        return [p for p in (prefix, self.scope, key) if p]

    def is_blocked(self, key: str, prefix: str | None = None) -> bool:
        strategy = self._strategy()
        return strategy is not None and not strategy.test(self.limit, *self._key(key, prefix))

    def fail(self, key: str, prefix: str | None = None) -> None:
        strategy = self._strategy()
        if strategy is not None:
            strategy.hit(self.limit, *self._key(key, prefix))

    @contextmanager
    def attempt(self, key: str, *, prefix: str | None = None, abort_with: int | None = 429):
        """`with throttle.attempt(key) as record_failure:` refuses a key that has used its
        allowance (abort(429), or raise Throttled when abort_with is None), else runs the block;
        call `record_failure()` when the secret was wrong."""
        with _locks[zlib.crc32(f"{self.scope}:{key}".encode()) % len(_locks)]:
            if self.is_blocked(key, prefix):
                if abort_with is None:
                    raise Throttled(self.scope)
                abort(abort_with)
            yield lambda: self.fail(key, prefix)


# -- the throttles in use ------------------------------------------------------------------------

# Wrong passwords from one address, wherever typed: the sign-in form and the current-password
# check on /auth/password share the allowance.
LOGIN = Throttle("auth.login", "5 per 5 minutes")
# Wrong X-Api-Key or webhook secret from one address. Generous: a right secret never counts, and
# these are 128-bit random values, so the limit only stops a client hammering with wrong ones.
MACHINE_SECRET = Throttle("auth.machine-secret", "30 per 10 minutes")
LOGIN_LIMIT = LOGIN.limit


def attempt(address: str):
    """The sign-in throttle (`LOGIN.attempt`)."""
    return LOGIN.attempt(address)


def unshared_store_problem(app=None) -> str | None:
    """Several web processes counting in memory each keep their own counts: say so (at start, in
    the log, and on the dashboard). gunicorn.conf.py sets WEB_CONCURRENCY to the real number."""
    import os

    app = app or current_app
    try:
        processes = int(os.environ.get("WEB_CONCURRENCY") or 1)
    except ValueError:
        processes = 1
    if processes <= 1 or not str(app.config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory"):
        return None
    return (f"{processes} web processes (WEB_CONCURRENCY={processes}) keep separate in-memory counts, so each "
            f"limit is {processes} times what it says: 5 sign-in tries become {5 * processes}. Set "
            "PLEXPORTAL_REDIS_URL to share them, or run one web process (WEB_CONCURRENCY=1).")


def warn_if_unshared(app) -> None:
    import logging

    problem = unshared_store_problem(app)
    if problem:
        logging.getLogger(__name__).warning("rate limits are not shared: %s", problem)
