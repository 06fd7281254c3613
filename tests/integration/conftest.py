"""Integration tests start real processes (gunicorn, huey_consumer, scripts/run) and talk to
them over HTTP and SMTP on 127.0.0.1. They cover both storage configurations themselves, so
`make test` runs them in the SQLite pass only."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import requests

from tests.conftest import PASSWORD, PG_URL

PG_DATABASE = f"plexportal_integration_{os.getpid()}"     # a run of its own, like tests/conftest.py
REDIS_URL = "redis://127.0.0.1:6379/14"


def _postgres(*statements) -> None:
    import psycopg2

    conn = psycopg2.connect(PG_URL)
    conn.autocommit = True
    with conn.cursor() as cur:
        for statement in statements:
            cur.execute(statement)
    conn.close()


@pytest.fixture(params=["sqlite", "postgres+redis"])
def storage_env(request) -> dict:
    """PLEXPORTAL_* variables for one storage configuration: the embedded default (SQLite and
    SqliteHuey in the data dir), or PostgreSQL plus Redis (PriorityRedisHuey)."""
    if request.param == "sqlite":
        yield {}
        return
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    # An empty database of its own: the processes never touch the unit tests' database.
    _postgres(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)", f"CREATE DATABASE {PG_DATABASE}")
    yield {"PLEXPORTAL_DATABASE_URL": PG_URL.rsplit("/", 1)[0] + "/" + PG_DATABASE, "PLEXPORTAL_REDIS_URL": REDIS_URL}
    _postgres(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")


def csrf_token(html: str) -> str:
    m = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html) or \
        re.search(r'"X-CSRFToken": "([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def signed_in_session(base_url: str, username: str = "admin", password: str = PASSWORD) -> requests.Session:
    """A requests session signed in through the real login form (CSRF token and all)."""
    s = requests.Session()
    token = csrf_token(s.get(base_url + "/auth/login", timeout=10).text)
    r = s.post(base_url + "/auth/login", data={"csrf_token": token, "username": username, "password": password},
               allow_redirects=False, timeout=10)
    assert r.status_code in (302, 303), r.text
    return s


def processes_in_group(pgid: int) -> list[str]:
    """Command lines of the live processes in a process group (what Ctrl-C would reach)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                found.append((stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip())
        except (OSError, IndexError, ValueError):
            continue
    return found
