"""SMTP_SECURITY as configured: plain, STARTTLS and implicit TLS against a real local server
with a self-signed certificate, and a readable error when the mode does not match the server."""
import ssl

import pytest

from plexportal.gateways import email as gateway
from plexportal.gateways.base import GatewayError
from tests.fakes.certs import make_cert
from tests.fakes.smtp import SmtpServer


@pytest.fixture
def cert(tmp_path, monkeypatch):
    cert_path, key_path = make_cert(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_path))      # the client trusts our test certificate
    return cert_path, key_path


def server_context(cert):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(*cert)
    return ctx


@pytest.fixture
def servers():
    started = []

    def start(**kw):
        s = SmtpServer(**kw).start()
        started.append(s)
        return s
    yield start
    for s in started:
        s.stop()


def send_one(server, security):
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["Subject"], msg["To"], msg["From"] = "Hi", "a@example.com", "portal@example.com"
    msg.set_content("body")
    settings = gateway.SmtpSettings(host="127.0.0.1", port=server.port, security=security, timeout=5)
    with gateway.SmtpConnection(settings) as conn:
        conn.send(msg)
    return server.wait_for(1)[0]


def test_it_sends_in_plain_mode(servers):
    assert send_one(servers(), "none")["Subject"] == "Hi"


def test_it_upgrades_with_starttls(servers, cert):
    server = servers(tls_context=server_context(cert))
    assert send_one(server, "starttls")["Subject"] == "Hi"


def test_it_speaks_implicit_tls(servers, cert):
    server = servers(ssl_context=server_context(cert))
    assert send_one(server, "tls")["Subject"] == "Hi"


def test_it_explains_starttls_against_a_server_without_it(servers):
    with pytest.raises(GatewayError, match="does not support that security mode") as err:
        send_one(servers(), "starttls")
    assert err.value.permanent


def test_it_explains_tls_against_a_plain_server(servers):
    with pytest.raises(GatewayError, match="TLS failed") as err:
        send_one(servers(), "tls")
    assert err.value.permanent


def test_it_explains_an_untrusted_certificate(servers, tmp_path):
    cert = make_cert(tmp_path)                     # not trusted: SSL_CERT_FILE not set
    server = servers(tls_context=server_context(cert))
    with pytest.raises(GatewayError, match="certificate is not trusted"):
        send_one(server, "starttls")
