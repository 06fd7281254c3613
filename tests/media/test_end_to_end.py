"""The whole path with real processes: gunicorn web and the Huey consumer on SQLite, fake Seerr and
Plex servers, and a real SMTP server. Seerr approves a series, Sonarr imports episodes (each webhook
delivered five times), Plex has them: exactly one email arrives, with the episodes and a deep link."""
import base64
import time

import pytest
import requests

from tests.media.conftest import FIXTURES
from tests.media.processes import Stack, prepare

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]
SECRET = "e2e-webhook-secret"


@pytest.fixture
def stack(tmp_path, fake_plex, fake_seerr, smtp_server):
    prepare(tmp_path, {
        "WEBHOOK_SECRET": SECRET, "BASE_URL": "http://portal.example.com", "SERVER_NAME": "Harbour Server",
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_server.port), "SMTP_SECURITY": "none",
        "SMTP_FROM": "portal@example.com", "PLEX_URL": fake_plex.url, "PLEX_TOKEN": "plex-token",
        "SEERR_URL": fake_seerr.url, "SEERR_API_KEY": "seerr-key", "AVAILABILITY_CHECK": "plex",
        "AVAILABILITY_RETRY": "5", "AVAILABILITY_MAX_WAIT": "120",
        "BATCH_INITIAL_DELAY": "3", "BATCH_EXTEND_DELAY": "2", "BATCH_MAX_WAIT": "20"})
    s = Stack(tmp_path).start()
    yield s
    s.stop()
    for name in ("web", "worker"):
        assert "Traceback" not in s.log(name), s.log(name)


def post(stack, source, name, headers):
    body = (FIXTURES / f"{name}.json").read_bytes()
    r = requests.post(f"{stack.url}/webhooks/{source}", data=body, headers={**headers, "Content-Type": "application/json"},
                      timeout=5)
    assert r.status_code == 200, r.text
    return r.json()


def wait_until(predicate, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_it_emails_once_with_the_episodes_and_the_plex_link(stack, fake_plex, smtp_server):
    show = fake_plex.add_show("The Example Show", tvdb=371234, tmdb=98765, episodes=[(2, 3)])
    sonarr = {"Authorization": "Basic " + base64.b64encode(f"sonarr:{SECRET}".encode()).decode()}
    post(stack, "seerr", "seerr_media_approved_tv", {"Authorization": SECRET})
    ids = {post(stack, "sonarr", "sonarr_v4_download", sonarr)["id"] for _ in range(5)}
    assert len(ids) == 1
    # Plex has not picked up E04-E05 yet when they are imported: the message waits for them.
    for _ in range(5):
        post(stack, "sonarr", "sonarr_v4_download_multi_episode", sonarr)
    time.sleep(6)
    assert smtp_server.messages == []
    fake_plex.add_episode(show, 2, 4)
    fake_plex.add_episode(show, 2, 5)
    [message] = smtp_server.wait_for(1, timeout=40)
    assert message["To"] == "bob@example.com"
    assert "The Example Show" in message["Subject"] and "S02E03" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    link = f"https://app.plex.tv/desktop#!/server/machine-abc123/details?key=%2Flibrary%2Fmetadata%2F{show}"
    assert link in text and link in html
    assert "E05" in message["Subject"] + text
    assert message["List-Unsubscribe"]
    time.sleep(4)                                        # nothing else follows
    assert len(smtp_server.messages) == 1
    events = requests.get(f"{stack.url}/healthz", timeout=5).json()
    assert events["status"] == "ok"
