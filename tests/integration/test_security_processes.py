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


TOKENS = {
    "webhook": "/webhooks/sonarr?token=WHSECRET0001",
    "ping": "/backups/ping/PINGSECRET0002/start",
    "person": "/notify/u/PERSONSECRET0003",
    "person-sub": "/notify/u/PERSONSECRET0004/channels",
    "unsubscribe": "/notify/unsubscribe/UNSUBSECRET0005",
    "ical": "/monitors/ical/ICALSECRET0006.ics",
    "api": "/api/v1/status?key=QUERYSECRET0007",
}


def test_the_access_log_never_holds_a_token(tmp_path):
    server = _server(tmp_path, {"PLEXPORTAL_WEBHOOK_SECRET": "right-webhook-secret-123456"})
    try:
        for name, path in TOKENS.items():
            method = "post" if name in ("webhook", "ping") else "get"
            getattr(requests, method)(server.url + path, timeout=10, allow_redirects=False,
                                      headers={"Referer": server.url + "/notify/u/REFERERSECRET0008"})
    finally:
        server.stop()
    log = server.log("web")
    for secret in ["WHSECRET0001", "PINGSECRET0002", "PERSONSECRET0003", "PERSONSECRET0004", "UNSUBSECRET0005",
                   "ICALSECRET0006", "QUERYSECRET0007", "REFERERSECRET0008"]:
        assert secret not in log, secret
    # The lines are there, with the shape of the address kept.
    assert '"POST /webhooks/sonarr?token=[redacted] HTTP/1.1" 401' in log
    assert '"POST /backups/ping/[redacted]/start HTTP/1.1" 404' in log
    assert '"GET /notify/u/[redacted]/channels HTTP/1.1"' in log
    assert '"GET /monitors/ical/[redacted].ics HTTP/1.1" 404' in log


def test_gunicorn_believes_x_forwarded_proto_only_with_a_trusted_proxy(tmp_path):
    for proxies, secure in (("0", False), ("1", True)):
        server = LiveServer(tmp_path / f"data{proxies}", {"PLEXPORTAL_TRUSTED_PROXIES": proxies})
        flask_cli(server.env, "db", "upgrade")
        server.start()
        try:
            r = requests.get(server.url + "/auth/login", timeout=10, allow_redirects=False,
                             headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"})
            assert ("Strict-Transport-Security" in r.headers) is secure, (proxies, dict(r.headers))
        finally:
            server.stop()


def test_several_web_processes_without_redis_are_warned_about(tmp_path):
    from tests.conftest import PASSWORD
    from tests.integration.conftest import signed_in_session

    server = LiveServer(tmp_path / "data", {"WEB_CONCURRENCY": "2"})
    flask_cli(server.env, "db", "upgrade")
    flask_cli(server.env, "create-admin", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    server.start()
    try:
        html = signed_in_session(server.url).get(server.url + "/", timeout=10).text
        assert "Sign-in limits" in html and "5 sign-in tries become 10" in html
    finally:
        server.stop()
    assert "2 web processes without PLEXPORTAL_REDIS_URL" in server.log("web")


def test_the_processes_leave_only_private_files_in_a_new_data_dir(tmp_path):
    import stat

    server = LiveServer(tmp_path / "data", worker=True)
    flask_cli(server.env, "db", "upgrade")
    server.start()
    try:
        requests.get(server.url + "/healthz", timeout=10)
    finally:
        server.stop()
    data = server.data_dir
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    names = set()
    for path in data.rglob("*"):
        names.add(path.name)
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, (path.name, oct(path.stat().st_mode))
    assert {"plexportal.db", "huey.db"} <= names          # secret.key: the test key comes from the environment
