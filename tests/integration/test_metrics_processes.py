"""/metrics with several gunicorn worker processes: any of them reports the requests all of them
answered (prometheus-client's multiprocess mode, set up by gunicorn.conf.py)."""
import re

import pytest
import requests

from tests.live import LiveServer, prepare_data_dir

pytestmark = pytest.mark.slow
TOKEN = "metrics-token-for-the-process-test"


def requests_counted(text: str) -> float:
    return sum(float(v) for v in re.findall(r'^plexportal_http_request_duration_seconds_count\{[^}]*endpoint="auth.login"[^}]*\} (\S+)$',
                                            text, re.MULTILINE))


def test_every_web_process_reports_the_requests_of_all(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    prepare_data_dir(data)
    server = LiveServer(data, env={"WEB_CONCURRENCY": "2", "PLEXPORTAL_METRICS_ENABLED": "true",
                                   "PLEXPORTAL_METRICS_TOKEN": TOKEN}).start()
    try:
        assert requests.get(server.url + "/metrics", timeout=10).status_code == 401
        for _ in range(40):            # new connections: spread over both processes
            assert requests.get(server.url + "/auth/login", timeout=10).status_code in (200, 302)
        for _ in range(8):
            r = requests.get(server.url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
            assert r.status_code == 200
            # 40 logins plus the scrape's own earlier requests: never only one process's share
            assert requests_counted(r.text) >= 40, r.text[:2000]
    finally:
        server.stop()
    assert "Booting worker" in server.log() and server.log().count("Booting worker") >= 2
