"""Security findings that need real processes: gunicorn with the project's gunicorn.conf.py."""
from __future__ import annotations

import sqlite3
import threading

import pytest
import requests

from tests.integration.conftest import csrf_token
from tests.live import LiveServer, flask_cli

pytestmark = pytest.mark.slow


def _server(tmp_path, env=None, **kw) -> LiveServer:
    server = LiveServer(tmp_path / "data", env or {}, **kw)
    flask_cli(server.env, "db", "upgrade")
    return server.start()


def test_gunicorn_refuses_a_foreign_host_name_on_the_wizard_and_sign_in(tmp_path):
    server = _server(tmp_path)
    try:
        for path in ("/settings/setup", "/auth/login", "/"):
            r = requests.get(server.url + path, headers={"Host": "rebind.evil.example"}, timeout=10,
                             allow_redirects=False)
            assert r.status_code == 400, path
            assert "PLEXPORTAL_ALLOWED_HOSTS" in r.text and "rebind.evil.example" in r.text
        assert requests.get(server.url + "/settings/setup", timeout=10).status_code == 200   # 127.0.0.1
        assert requests.get(server.url + "/healthz", headers={"Host": "plexportal:8000"}, timeout=10).status_code == 200
    finally:
        server.stop()
    assert "Traceback" not in server.log("web"), server.logs()


def test_gunicorn_accepts_the_names_in_allowed_hosts(tmp_path):
    server = _server(tmp_path, {"PLEXPORTAL_ALLOWED_HOSTS": "portal.home.example"})
    try:
        r = requests.get(server.url + "/settings/setup", headers={"Host": "portal.home.example"}, timeout=10)
        assert r.status_code == 200 and 'name="username"' in r.text
    finally:
        server.stop()


def _admins(server: LiveServer, storage_env: dict) -> list[str]:
    url = storage_env.get("PLEXPORTAL_DATABASE_URL")
    if url:
        import psycopg2

        conn = psycopg2.connect(url)
        with conn.cursor() as cur:
            cur.execute("SELECT username FROM \"user\" WHERE role = 'admin'")
            names = [r[0] for r in cur.fetchall()]
        conn.close()
        return names
    conn = sqlite3.connect(server.data_dir / "plexportal.db")
    try:
        return [r[0] for r in conn.execute("SELECT username FROM user WHERE role = 'admin'")]
    finally:
        conn.close()


def test_six_tabs_submitting_the_wizard_at_once_create_exactly_one_admin(tmp_path, storage_env):
    server = _server(tmp_path, storage_env)
    try:
        tabs = []
        for i in range(6):
            s = requests.Session()
            tabs.append((s, csrf_token(s.get(server.url + "/settings/setup", timeout=10).text)))
        barrier = threading.Barrier(len(tabs))
        answers: list[requests.Response | Exception] = [None] * len(tabs)

        def submit(i):
            s, token = tabs[i]
            barrier.wait()
            try:
                answers[i] = s.post(server.url + "/settings/setup", timeout=30, allow_redirects=False, data={
                    "csrf_token": token, "username": f"admin{i}", "password": "correct horse battery",
                    "confirm": "correct horse battery"})
            except Exception as err:  # noqa: BLE001 - reported below
                answers[i] = err

        threads = [threading.Thread(target=submit, args=(i,)) for i in range(len(tabs))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert all(isinstance(a, requests.Response) for a in answers), answers
        admins = _admins(server, storage_env)
        assert len(admins) == 1, admins
        winners = [a for a in answers if a.headers.get("Location", "").endswith("/settings/setup/Seerr")]
        assert len(winners) == 1
        # Every other tab was told, not silently sent on: a 403 (the admin existed before its
        # request started) or the sign-in page with a message.
        for a in answers:
            if a is not winners[0]:
                assert a.status_code == 403 or "/auth/login" in a.headers.get("Location", ""), (a.status_code, a.text[:200])
    finally:
        server.stop()
    assert "Traceback" not in server.log("web"), server.logs()
