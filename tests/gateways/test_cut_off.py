"""Upstreams that go away mid-call: an HTTP answer cut off half-way, a connection closed before
any answer, an SMTP server that greets with a refusal, never greets, or hangs up at the message.
Each becomes a GatewayError that says whether trying again can help; none escapes as a raw error."""
from __future__ import annotations

import socket
import threading
from email.message import EmailMessage

import pytest

from plexportal.gateways import email as email_gw
from plexportal.gateways import jellyfin, plextv
from plexportal.gateways.base import GatewayError
from tests.gateways.helpers import radarr_client, seerr_client, sonarr_client


class RawServer:
    """A loopback TCP server that plays `script(conn)` for every connection it accepts."""

    def __init__(self, script):
        self.script = script
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.api_key = "k"
        self.connections = 0
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._play, args=(conn,), daemon=True).start()

    def _play(self, conn):
        try:
            conn.settimeout(3)
            self.script(conn)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self._stop = True
        self.sock.close()


def read_request(conn) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def half_an_answer(conn):
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n"
                 b'{"records": [{"id": 1, "title": "The Ex')


def hang_up(conn):
    read_request(conn)                            # closes without a byte of answer


@pytest.fixture
def server(request):
    made = []

    def make(script):
        s = RawServer(script)
        made.append(s)
        return s
    yield make
    for s in made:
        s.close()


CLIENTS = {
    "sonarr": lambda s: sonarr_client(s).queue(),
    "radarr": lambda s: radarr_client(s).queue(),
    "seerr": lambda s: seerr_client(s).status(),
    "jellyfin": lambda s: jellyfin.JellyfinClient(jellyfin.JellyfinSettings(s.url, "k"), retries=0).public_info(),
    "plex.tv": lambda s: plextv.PlexTV(plextv.PlexTVSettings(url=s.url, clients_url=s.url, token="t",
                                                             client_id="c")).account(),
}


@pytest.mark.parametrize("which", list(CLIENTS))
@pytest.mark.parametrize("script", [half_an_answer, hang_up], ids=["cut-off", "hung-up"])
def test_an_answer_cut_off_half_way_is_worth_retrying(server, which, script):
    s = server(script)
    with pytest.raises(GatewayError) as err:
        CLIENTS[which](s)
    assert not err.value.permanent, err.value.message
    assert "Traceback" not in err.value.message and "The Ex" not in err.value.message


# -- SMTP ------------------------------------------------------------------------------------------------

def smtp_settings(s, **kw):
    kw.setdefault("security", "none")
    return email_gw.SmtpSettings(host="127.0.0.1", port=s.port, sender="portal@example.com",
                                 timeout=kw.pop("timeout", 2.0), command_timeout=kw.pop("command_timeout", 2.0),
                                 data_timeout=kw.pop("data_timeout", 2.0), **kw)


def message():
    msg = EmailMessage()
    msg["To"], msg["Subject"] = "friend@example.com", "Hello"
    msg.set_content("hi")
    return msg


def smtp_until(stop_at: bytes, reply: bytes, greeting=b"220 mail.example ESMTP\r\n"):
    """A server that answers every command with 250 until `stop_at`, then sends `reply` and hangs up."""
    def script(conn):
        conn.sendall(greeting)
        buf = b""
        in_data = False
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
                        if stop_at == b".":
                            conn.sendall(reply)
                            return
                        conn.sendall(b"250 queued\r\n")
                    continue
                if line.upper().startswith(stop_at):
                    if reply:
                        conn.sendall(reply)
                    return
                if line.upper().startswith(b"EHLO"):
                    conn.sendall(b"250-mail.example\r\n250 SIZE 10000000\r\n")
                elif line.upper() == b"DATA":
                    in_data = True
                    conn.sendall(b"354 go ahead\r\n")
                elif line.upper() == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"250 ok\r\n")
    return script


def send_one(s, **kw):
    with email_gw.SmtpConnection(smtp_settings(s, **kw)) as conn:
        conn.send(message())


def test_a_server_that_greets_with_a_refusal_is_down_not_the_messages_fault(server):
    s = server(lambda conn: conn.sendall(b"554 5.7.1 no thanks\r\n"))
    with pytest.raises(email_gw.TransportDown) as err:
        send_one(s)
    assert err.value.message == "The SMTP server answered 554 to the connection. Is it busy or refusing us?"


def test_a_server_that_never_greets_times_out_as_down(server):
    s = server(lambda conn: conn.recv(10))
    with pytest.raises(email_gw.TransportDown) as err:
        send_one(s, timeout=0.5)
    assert err.value.message == "The SMTP server did not answer in time." and not err.value.permanent


def test_a_server_that_hangs_up_at_once_is_down(server):
    s = server(lambda conn: None)
    with pytest.raises(email_gw.TransportDown) as err:
        send_one(s)
    assert not err.value.permanent


def test_nothing_listening_is_down_and_worth_retrying():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    fake = type("Gone", (), {"port": port})()
    with pytest.raises(email_gw.TransportDown, match="refused the connection") as err:
        send_one(fake)
    assert not err.value.permanent


def test_a_421_at_mail_from_pauses_sending_instead_of_failing_the_message(server):
    s = server(smtp_until(b"MAIL", b"421 4.3.2 shutting down\r\n"))
    with pytest.raises(email_gw.TransportDown, match="closing the connection"):
        send_one(s)


def test_a_550_at_mail_from_fails_the_message_for_good(server):
    s = server(smtp_until(b"MAIL", b"550 5.7.1 sender rejected\r\n"))
    with pytest.raises(GatewayError) as err:
        send_one(s)
    assert err.value.permanent and not isinstance(err.value, email_gw.TransportDown)
    assert err.value.message == "The SMTP server answered 550 to the From address."


def test_a_hang_up_at_the_recipient_is_down(server):
    s = server(smtp_until(b"RCPT", b""))
    with pytest.raises(email_gw.TransportDown, match="closed the connection"):
        send_one(s)


def test_a_554_to_the_message_is_permanent_and_a_452_is_not(server):
    for reply, permanent in ((b"554 5.6.0 content rejected\r\n", True), (b"452 4.3.1 out of space\r\n", False)):
        s = server(smtp_until(b".", reply))
        with pytest.raises(GatewayError) as err:
            send_one(s)
        assert err.value.permanent is permanent, err.value.message
        assert not isinstance(err.value, email_gw.DeliveryUncertain)


def test_a_hang_up_after_the_whole_message_may_have_delivered_it(server):
    s = server(smtp_until(b".", b""))                     # the message went, the 250 never came
    with pytest.raises(email_gw.DeliveryUncertain) as err:
        send_one(s)
    assert "it may have been delivered" in err.value.message


def test_the_test_button_says_what_happened(server):
    ok = server(smtp_until(b"NEVER", b""))
    assert email_gw.check(smtp_settings(ok)).message == f"Connected to 127.0.0.1:{ok.port}."
    down = server(lambda conn: conn.sendall(b"554 go away\r\n"))
    result = email_gw.check(smtp_settings(down))
    assert not result.ok and "554" in result.message


def test_a_starttls_setting_against_a_server_without_it_says_which_mode_to_try(server):
    s = server(smtp_until(b"NEVER", b""))
    with pytest.raises(email_gw.TransportDown) as err:
        send_one(s, security="starttls")
    assert err.value.permanent and "security mode" in err.value.message


def test_sending_on_a_connection_that_was_dropped_says_so(server):
    s = server(smtp_until(b"NEVER", b""))
    conn = email_gw.SmtpConnection(smtp_settings(s))
    with pytest.raises(email_gw.TransportDown, match="connection to the SMTP server was lost"):
        conn.send(message())
