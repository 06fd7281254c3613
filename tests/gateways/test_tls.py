"""TLS trouble in words an admin can act on: a self-signed certificate, and https:// typed for a
port that speaks plain http. Both are permanent (retrying will not change the certificate)."""
from __future__ import annotations

import threading

import pytest
from flask import Flask
from werkzeug.serving import make_server

from plexportal.gateways import sonarr
from plexportal.gateways.base import GatewayError
from tests.fakes.certs import make_cert
from tests.gateways.helpers import sonarr_client


@pytest.fixture
def https_server(tmp_path):
    cert, key = make_cert(tmp_path)
    app = Flask("tls")

    @app.get("/api/v3/system/status")
    def status():
        return {"appName": "Sonarr", "version": "4.0.0"}

    server = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=(str(cert), str(key)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_a_self_signed_certificate_is_named_as_the_problem(https_server):
    fake = type("Https", (), {"url": https_server, "api_key": "k"})()
    with pytest.raises(GatewayError) as err:
        sonarr_client(fake).system_status()
    assert err.value.message == "Sonarr: the TLS certificate was not accepted."
    assert err.value.permanent
    result = sonarr.check(https_server, "k")
    assert not result.ok and "certificate" in result.message


def test_https_typed_for_a_plain_http_port_does_not_blame_a_certificate(fake_sonarr):
    fake = type("Typo", (), {"url": fake_sonarr.url.replace("http://", "https://"), "api_key": fake_sonarr.api_key})()
    with pytest.raises(GatewayError) as err:
        sonarr_client(fake).system_status()
    assert err.value.permanent
    assert "certificate" not in err.value.message
    assert "http://" in err.value.message                        # tells them what to try instead
    assert fake_sonarr.calls == []                               # the key never went over plain text
