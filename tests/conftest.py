"""Shared fixtures.

Backend: SQLite + immediate Huey by default; `PLEXPORTAL_TEST_BACKEND=postgres` runs the same
tests on PostgreSQL (127.0.0.1:5432, database `test`) with Redis (127.0.0.1:6379/15) for the
rate limiter. The `make test` target runs both passes.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from plexportal import create_app, processes
from plexportal.config import Config
from plexportal.lib import clock

BACKEND = os.environ.get("PLEXPORTAL_TEST_BACKEND", "sqlite")
PG_URL = os.environ.get("PLEXPORTAL_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("PLEXPORTAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# Several runs may share one PostgreSQL and Redis (developers on one machine): each test session
# works in a database of its own (created next to PG_URL's, dropped at the end) and under a Redis
# key prefix of its own, so one run never wipes another's tables or rate-limit counters.
PG_SESSION_DB = f"{PG_URL.rsplit('/', 1)[1]}_s{os.getpid()}"
PG_SESSION_URL = PG_URL.rsplit("/", 1)[0] + "/" + PG_SESSION_DB
REDIS_PREFIX = f"plexportal-test-{os.getpid()}"
SECRET = "test-secret-key-for-plexportal-tests"
PASSWORD = "correct horse battery"

# Property tests judge the code, not the machine: a loaded CI machine may generate inputs slowly.
hypothesis_settings.register_profile("plexportal", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("plexportal")

# No test may inherit an operator's configuration.
for _name in list(os.environ):
    if _name.startswith("PLEXPORTAL_") and not _name.startswith("PLEXPORTAL_TEST_"):
        del os.environ[_name]


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: browser tests (Playwright + Chromium)")
    config.addinivalue_line("markers", "sqlite_only: needs the embedded SQLite configuration")
    config.addinivalue_line("markers", "slow: starts real processes")


def pytest_collection_modifyitems(config, items):
    if BACKEND == "postgres":
        skip = pytest.mark.skip(reason="SQLite-only test")
        for item in items:
            if "sqlite_only" in item.keywords:
                item.add_marker(skip)


def make_config(tmp_path: Path, **extra) -> Config:
    cfg = Config(data_dir=tmp_path, secret_key=SECRET, testing=True, huey_immediate=True,
                 extra={"disable_ratelimit": False, **extra})
    if BACKEND == "postgres":
        cfg.database_url = PG_SESSION_URL
        cfg.redis_url = REDIS_URL
        cfg.extra.setdefault("ratelimit_key_prefix", REDIS_PREFIX)
    return cfg


class FreshContextClient(FlaskClient):
    """Every request gets its own app context, and so its own `g`, as in production. Without this
    a test holding an app context open would share `g` between requests: flask-login's cached
    user and flask-wtf's cached token would leak from one request (or client) into the next."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory):
    """Migrate once: a template SQLite file to copy, or the PostgreSQL schema."""
    from plexportal.cli import upgrade
    from plexportal.db import db

    path = tmp_path_factory.mktemp("template")
    if BACKEND == "postgres":
        _postgres_admin(f'DROP DATABASE IF EXISTS "{PG_SESSION_DB}" WITH (FORCE)', f'CREATE DATABASE "{PG_SESSION_DB}"')
    app = create_app(make_config(path))
    with app.app_context():
        upgrade()
        db.close()
        if hasattr(db.obj, "close_all"):
            db.obj.close_all()          # pooled SQLite: the last close checkpoints, so the file is whole to copy
    yield path
    if BACKEND == "postgres":
        if not db.is_closed():
            db.close()
        if hasattr(db.obj, "close_all"):
            db.obj.close_all()
        _postgres_admin(f'DROP DATABASE IF EXISTS "{PG_SESSION_DB}" WITH (FORCE)')


def _postgres_admin(*statements):
    """Run statements on PG_URL's database (outside a transaction), after dropping the databases
    of earlier sessions on this machine whose process is gone (a run that was killed)."""
    import psycopg2

    conn = psycopg2.connect(PG_URL)
    conn.autocommit = True
    base = PG_URL.rsplit("/", 1)[1]
    with conn.cursor() as cur:
        cur.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (f"{base}\\_s%",))
        for (name,) in cur.fetchall():
            pid = name.rsplit("_s", 1)[1]
            if pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
                cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for statement in statements:
            cur.execute(statement)
    conn.close()


def _truncate_postgres():
    from plexportal.db import db

    with db.connection_context():
        tables = [t for t in db.get_tables() if t != "schema_migration"]
        if tables:
            db.execute_sql("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")


def _flush_redis():
    import redis

    # The whole database: flask-limiter leaves the prefix off the keys of limits that only count
    # failures (deduct_when, the sign-in throttle), so a prefix match would miss them.
    redis.Redis.from_url(REDIS_URL).flushdb()


@pytest.fixture
def app_factory(tmp_path, _template_db):
    """Build an app on a fresh, migrated database; extra Config.extra keys by keyword."""
    made = []

    def build(fields: dict | None = None, **extra):
        data = tmp_path / f"data{len(made)}"
        data.mkdir()
        if BACKEND == "sqlite":
            shutil.copy(_template_db / "plexportal.db", data / "plexportal.db")
        cfg = make_config(data, **extra)
        for name, value in (fields or {}).items():     # Config fields, e.g. trusted_proxies=1
            setattr(cfg, name, value)
        app = create_app(cfg)
        processes.start(app)                        # as wsgi.py and the worker do
        app.test_client_class = FreshContextClient
        if BACKEND == "postgres" and not made:
            with app.app_context():
                _truncate_postgres()
            _flush_redis()
        made.append(app)
        return app

    yield build
    from plexportal.db import db
    from plexportal.settings import service as settings_service

    if not db.is_closed():
        db.close()
    if hasattr(db.obj, "close_all"):
        db.obj.close_all()
    settings_service.invalidate()
    clock.reset()


@pytest.fixture
def app(app_factory):
    app = app_factory()
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    from plexportal.db import db as database

    database.connect(reuse_if_open=True)
    yield database


@pytest.fixture
def admin(db):
    from plexportal.auth import service

    return service.create_admin("admin", PASSWORD, "admin@example.com")


def csrf_from(html: str) -> str:
    m = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html) or \
        re.search(r'"X-CSRFToken": "([^"]+)"', html)
    assert m, "no CSRF token in page"
    return m.group(1)


class Browserless:
    """A test client that keeps a CSRF token like a page would."""

    def __init__(self, client):
        self.client = client
        self.token = None

    def get(self, url, **kw):
        r = self.client.get(url, **kw)
        text = r.get_data(as_text=True)
        if 'X-CSRFToken' in text or 'csrf_token' in text:
            try:
                self.token = csrf_from(text)
            except AssertionError:
                pass
        return r

    def post(self, url, data=None, htmx=False, **kw):
        if self.token is None:
            self.get("/auth/login")
        headers = kw.pop("headers", {})
        headers["X-CSRFToken"] = self.token
        if htmx:
            headers["HX-Request"] = "true"
        return self.client.post(url, data=data or {}, headers=headers, **kw)


@pytest.fixture
def web(client):
    return Browserless(client)


@pytest.fixture
def logged_in(web, admin):
    r = web.post("/auth/login", data={"username": "admin", "password": PASSWORD})
    assert r.status_code == 303, r.get_data(as_text=True)
    web.get("/")
    return web


@pytest.fixture
def admin_web(logged_in):
    """`logged_in`, with a CSRF token that belongs to the signed-in session. The `app` fixture keeps
    one app context for the whole test, so flask-wtf's per-request cache (g.csrf_token) would
    otherwise still hold the token from before sign-in cleared the session."""
    from flask import g

    g.pop("csrf_token", None)
    logged_in.get("/")
    return logged_in


@pytest.fixture
def set_settings(db, monkeypatch):
    """Store settings as an admin would; host-only ones (programs plexportal runs) can only come
    from the environment, so they are set there, as an operator would in .env."""
    from plexportal.settings import service
    from plexportal.settings.registry import get_def

    def apply(**values):
        stored = {}
        for key, value in values.items():
            if get_def(key).host_only:
                monkeypatch.setenv(get_def(key).env_var, str(value))
            else:
                stored[key] = value
        if stored:
            service.set_many(stored)
        service.invalidate()
    return apply


# -- fakes ----------------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _fresh_gateway_breaker():
    """Each test starts with every upstream address trusted: the *arr/Seerr breaker is per process."""
    from plexportal.gateways import rest

    rest.BREAKER.reset()
    yield
    rest.BREAKER.reset()


def _serve(fake):
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_sonarr():
    from tests.fakes.arr import FakeSonarr

    yield from _serve(FakeSonarr())


@pytest.fixture
def fake_radarr():
    from tests.fakes.arr import FakeRadarr

    yield from _serve(FakeRadarr())


@pytest.fixture
def fake_seerr():
    from tests.fakes.seerr import FakeSeerr

    yield from _serve(FakeSeerr())


@pytest.fixture
def fake_plex():
    from tests.fakes.plex import FakePlex

    yield from _serve(FakePlex())


@pytest.fixture
def fake_jellyfin():
    from tests.fakes.jellyfin import FakeJellyfin

    yield from _serve(FakeJellyfin())


@pytest.fixture
def smtp_server():
    from tests.fakes.smtp import SmtpServer

    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def make_user(db):
    """Create a non-admin user (the people messages go to)."""
    from plexportal.auth.models import User

    def make(name="friend", email=None, **fields):
        return User.create(username=name, email=email if email is not None else f"{name}@example.com", **fields)
    return make
