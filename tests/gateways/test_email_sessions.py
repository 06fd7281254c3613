"""SMTP sessions against a scripted loopback server: signing in (refused, or not offered), one
connection carrying many messages, and the RFC 5321 timeouts per step (a slow reply to the end of
DATA is waited for longer than a slow reply to a command)."""
from __future__ import annotations

import time
from email.message import EmailMessage

import pytest

from plexportal.gateways import email as email_gw
from plexportal.gateways.base import GatewayError
from tests.gateways.test_cut_off import RawServer


class Script:
    """An SMTP server whose replies can be changed per command; it records what it was sent."""

    def __init__(self, auth: bytes | None = None, data_delay: float = 0.0, rcpt_delay: float = 0.0):
        self.auth = auth                      # reply to AUTH, None: AUTH not offered
        self.data_delay = data_delay          # seconds before the reply to the end of DATA
        self.rcpt_delay = rcpt_delay
        self.commands: list[bytes] = []
        self.messages = 0

    def __call__(self, conn):
        conn.sendall(b"220 mail.example ESMTP\r\n")
        buf, in_data = b"", False
        while True:
            chunk = conn.recv(4096)
            if not chunk:
                return
            buf += chunk
            while b"\r\n" in buf:
                line, buf = buf.split(b"\r\n", 1)
                if in_data:
                    if line == b".":
                        in_data = False
                        time.sleep(self.data_delay)
                        self.messages += 1
                        conn.sendall(b"250 2.0.0 queued\r\n")
                    continue
                self.commands.append(line.upper())          # smtplib writes its verbs in lower case
                verb = line.split(b" ", 1)[0].upper()
                if verb == b"EHLO":
                    extra = b"250-AUTH PLAIN LOGIN\r\n" if self.auth is not None else b""
                    conn.sendall(b"250-mail.example\r\n" + extra + b"250 8BITMIME\r\n")
                elif verb == b"AUTH":
                    conn.sendall(self.auth)
                elif verb == b"RCPT":
                    time.sleep(self.rcpt_delay)
                    conn.sendall(b"250 ok\r\n")
                elif verb == b"DATA":
                    in_data = True
                    conn.sendall(b"354 go ahead\r\n")
                elif verb == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"250 ok\r\n")


@pytest.fixture
def smtp():
    made = []

    def make(script):
        server = RawServer(script)
        made.append(server)
        return server
    yield make
    for server in made:
        server.close()


def settings(server, **kw):
    kw.setdefault("security", "none")
    kw.setdefault("timeout", 2.0)
    kw.setdefault("command_timeout", 2.0)
    kw.setdefault("data_timeout", 2.0)
    return email_gw.SmtpSettings(host="127.0.0.1", port=server.port, sender="portal@example.com", **kw)


def message(to="friend@example.com", subject="Hello"):
    msg = EmailMessage()
    msg["To"], msg["Subject"] = to, subject
    msg.set_content("hi")
    return msg


def test_a_refused_password_is_permanent_and_stops_the_session(smtp):
    script = Script(auth=b"535 5.7.8 Authentication credentials invalid\r\n")
    server = smtp(script)
    with pytest.raises(email_gw.TransportDown) as err, \
            email_gw.SmtpConnection(settings(server, user="portal", password="wrong")) as conn:
        conn.send(message())
    assert err.value.permanent and err.value.message == "The SMTP server rejected the user name or password."
    assert not any(c.startswith(b"MAIL") for c in script.commands)


def test_a_user_name_for_a_server_that_offers_no_sign_in_says_which_mode_to_try(smtp):
    server = smtp(Script(auth=None))
    with pytest.raises(email_gw.TransportDown, match="does not support that security mode") as err, \
            email_gw.SmtpConnection(settings(server, user="portal", password="pw")):
        pass
    assert err.value.permanent


def test_a_signed_in_check_says_so(smtp):
    server = smtp(Script(auth=b"235 2.7.0 Authentication successful\r\n"))
    result = email_gw.check(settings(server, user="portal", password="pw"))
    assert result.ok and result.message == f"Connected to 127.0.0.1:{server.port} and signed in."


def test_one_connection_carries_many_messages_and_fills_in_the_sender(smtp):
    script = Script()
    server = smtp(script)
    with email_gw.SmtpConnection(settings(server)) as conn:
        for n in range(3):
            conn.send(message(subject=f"m{n}"))
    assert server.connections == 1 and script.messages == 3
    assert script.commands.count(b"MAIL FROM:<PORTAL@EXAMPLE.COM>") == 3
    assert script.commands[-1] == b"QUIT"


def test_a_message_with_its_own_sender_keeps_it(smtp):
    script = Script()
    server = smtp(script)
    msg = message()
    msg["From"] = "invites@example.com"
    with email_gw.SmtpConnection(settings(server)) as conn:
        conn.send(msg)
    assert b"MAIL FROM:<INVITES@EXAMPLE.COM>" in script.commands


def test_a_slow_reply_to_the_end_of_data_is_waited_for_longer_than_a_command(smtp):
    server = smtp(Script(data_delay=0.8))
    with email_gw.SmtpConnection(settings(server, command_timeout=0.4, data_timeout=3.0)) as conn:
        conn.send(message())                                   # 0.8 s > the command timeout: still fine


def test_no_reply_to_the_end_of_data_in_time_may_have_delivered_it(smtp):
    server = smtp(Script(data_delay=1.5))
    with pytest.raises(email_gw.DeliveryUncertain), \
            email_gw.SmtpConnection(settings(server, command_timeout=3.0, data_timeout=0.4)) as conn:
        conn.send(message())


def test_a_slow_reply_to_a_command_is_the_server_being_down_not_an_uncertain_delivery(smtp):
    server = smtp(Script(rcpt_delay=1.5))
    with pytest.raises(GatewayError) as err, \
            email_gw.SmtpConnection(settings(server, command_timeout=0.4, data_timeout=3.0)) as conn:
        conn.send(message())
    assert isinstance(err.value, email_gw.TransportDown) and not isinstance(err.value, email_gw.DeliveryUncertain)
    assert "did not answer in time" in err.value.message


def test_no_host_means_email_is_not_set_up():
    with pytest.raises(GatewayError, match="Email is not configured") as err:
        email_gw.SmtpConnection(email_gw.SmtpSettings(host="", port=25))
    assert err.value.permanent
    assert not email_gw.check(email_gw.SmtpSettings(host="", port=25)).ok
