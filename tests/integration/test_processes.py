"""The web and the worker as separate real processes: what the web queues, the worker sends."""
import pytest
import requests

from tests.conftest import PASSWORD
from tests.integration.conftest import csrf_token, signed_in_session
from tests.live import LiveServer, flask_cli

pytestmark = pytest.mark.slow


def test_it_delivers_an_email_the_web_queued_through_the_worker_process(tmp_path, storage_env, smtp_server):
    server = LiveServer(tmp_path / "data", {
        **storage_env,
        "PLEXPORTAL_SMTP_HOST": "127.0.0.1", "PLEXPORTAL_SMTP_PORT": str(smtp_server.port),
        "PLEXPORTAL_SMTP_SECURITY": "none", "PLEXPORTAL_SMTP_FROM": "portal@example.com",
    }, worker=True)
    # The operator's steps, by the real CLI.
    assert "applied" in flask_cli(server.env, "db", "upgrade").stdout
    flask_cli(server.env, "create-admin", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    server.start()
    try:
        web = signed_in_session(server.url)
        token = csrf_token(web.get(server.url + "/notify/", timeout=10).text)
        r = web.post(server.url + "/notify/test-email", data={"to": "friend@example.com"},
                     headers={"X-CSRFToken": token, "HX-Request": "true"}, timeout=10)
        assert r.status_code == 200, r.text

        message = smtp_server.wait_for(1, timeout=30)[0]
        assert message["To"] == "friend@example.com"
        assert message["From"].endswith("portal@example.com>") or message["From"] == "portal@example.com"
        assert message["Subject"].startswith("Test email from")
        assert "email delivery works" in message.get_body(("plain",)).get_content()
        # Sent by the consumer process, not by the web request.
        assert "send_notifications_task" in server.log("worker")
        assert smtp_server.envelopes[0][1] == ["friend@example.com"]

        health = requests.get(server.url + "/healthz", timeout=5)
        assert health.status_code == 200
        assert health.json() == {"status": "ok", "database": "ok", "queue": "ok"}
    finally:
        server.stop()
    assert "Traceback" not in server.log("web") + server.log("worker"), server.logs()


def test_it_says_on_healthz_when_the_database_was_not_migrated(tmp_path):
    server = LiveServer(tmp_path / "data", worker=False)
    server.start(healthz_status=503)             # started without `flask --app wsgi db upgrade`
    try:
        health = requests.get(server.url + "/healthz", timeout=5)
        assert health.status_code == 503
        assert health.json()["status"] == "unavailable"
        assert "flask --app wsgi db upgrade" in health.json()["database"]

        flask_cli(server.env, "db", "upgrade")
        health = requests.get(server.url + "/healthz", timeout=5)
        assert health.status_code == 200
        assert health.json() == {"status": "ok", "database": "ok", "queue": "ok"}
    finally:
        server.stop()
