"""A stored secret is bound to its address (DESIGN law 11): Test connection and Save with a new
scheme, host or port and a blank secret field do not use the stored secret, and calls carrying a
secret never follow redirects."""
from __future__ import annotations

import socket
import threading

import pytest
from flask import Response, redirect, request

from plexportal.settings import service
from plexportal.settings.models import Setting
from tests.conftest import _serve
from tests.fakes.server import FakeService

SECRET = "stored-secret-0123456789abcdef"


class Listener(FakeService):
    """Someone else's server: answers anything, records everything."""
    name = "listener"

    def routes(self, app):
        @app.route("/", defaults={"path": ""}, methods=["GET", "POST", "PUT"])
        @app.route("/<path:path>", methods=["GET", "POST", "PUT"])
        def anything(path):
            return Response("{}", mimetype="application/json")

    def saw(self, secret: str) -> bool:
        return any(secret in f"{c.headers} {c.raw_query} {c.body!r}" for c in self.calls)


class Redirector(FakeService):
    """A server at the stored address that sends every request on to `target`."""
    name = "redirector"
    target = ""

    def routes(self, app):
        @app.route("/", defaults={"path": ""}, methods=["GET", "POST", "PUT"])
        @app.route("/<path:path>", methods=["GET", "POST", "PUT"])
        def anything(path):
            qs = request.query_string.decode()
            return redirect(f"{self.target}/{path}" + (f"?{qs}" if qs else ""), code=307)


@pytest.fixture
def listener():
    yield from _serve(Listener())


@pytest.fixture
def redirector(listener):
    fake = Redirector()
    fake.target = listener.url
    yield from _serve(fake)


SERVICES = [("Sonarr", "SONARR_URL", "SONARR_API_KEY"), ("Radarr", "RADARR_URL", "RADARR_API_KEY"),
            ("Seerr", "SEERR_URL", "SEERR_API_KEY"), ("Plex", "PLEX_URL", "PLEX_TOKEN"),
            ("Jellyfin", "JELLYFIN_URL", "JELLYFIN_API_KEY")]


def _test(web, group, **values):
    r = web.post(f"/settings/test/{group}", data=values, htmx=True)
    assert r.status_code == 200
    return r.get_data(as_text=True)


@pytest.mark.parametrize("group,url_key,key_key", SERVICES)
def test_test_connection_does_not_send_a_stored_key_to_a_new_address(logged_in, set_settings, listener,
                                                                      group, url_key, key_key):
    set_settings(**{url_key: "http://media.lan:8989", key_key: SECRET})
    html = _test(logged_in, group, **{url_key: listener.url, key_key: ""})
    assert "The address changed: enter the" in html and "again" in html
    assert not listener.saw(SECRET)
    # Typed again, the key goes where the admin said.
    _test(logged_in, group, **{url_key: listener.url, key_key: "typed-again-key"})
    assert listener.saw("typed-again-key")


@pytest.mark.parametrize("group,url_key,key_key", SERVICES)
def test_save_with_a_new_address_and_a_blank_key_asks_for_the_key(logged_in, set_settings, group, url_key, key_key):
    set_settings(**{url_key: "http://media.lan:8989", key_key: SECRET})
    r = logged_in.post(f"/settings/group/{group}", data={url_key: "http://elsewhere.example:8989", key_key: ""},
                       htmx=True)
    body = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "The address changed: enter the" in body
    assert service.get(url_key) == "http://media.lan:8989"          # nothing saved
    assert service.get(key_key) == SECRET

    # Scheme or port count as a new address too.
    for changed in ("https://media.lan:8989", "http://media.lan:9999"):
        r = logged_in.post(f"/settings/group/{group}", data={url_key: changed, key_key: ""}, htmx=True)
        assert r.status_code == 422, changed

    # With the key typed again, both are saved, and the key is bound to the new address.
    r = logged_in.post(f"/settings/group/{group}", data={url_key: "http://elsewhere.example:8989", key_key: "new-key"},
                       htmx=True)
    assert r.status_code == 200
    assert service.get(key_key) == "new-key"
    assert "elsewhere.example:8989" in Setting.get_by_id(key_key).bound_to


def test_a_blank_key_with_the_same_address_and_a_new_url_base_keeps_the_key(logged_in, set_settings):
    set_settings(SONARR_URL="http://media.lan:8989", SONARR_API_KEY=SECRET)
    r = logged_in.post("/settings/group/Sonarr", data={"SONARR_URL": "http://MEDIA.lan:8989/sonarr", "SONARR_API_KEY": ""},
                       htmx=True)
    assert r.status_code == 200
    assert service.get("SONARR_API_KEY") == SECRET


def test_the_command_line_cannot_move_a_stored_key_either(db, set_settings):
    set_settings(SONARR_URL="http://media.lan:8989", SONARR_API_KEY=SECRET)
    with pytest.raises(service.SettingsInvalid, match="The address changed"):
        service.set_value("SONARR_URL", "http://evil.example:8989")


def test_a_key_whose_address_changed_in_the_environment_is_held_back(logged_in, set_settings, monkeypatch):
    set_settings(SEERR_URL="http://seerr.lan:5055", SEERR_API_KEY=SECRET)
    monkeypatch.setenv("PLEXPORTAL_SEERR_URL", "http://other.example:5055")
    service.invalidate()
    assert service.get("SEERR_API_KEY") == ""
    html = logged_in.get("/settings/").get_data(as_text=True)
    assert "saved for another address: enter it again" in html
    monkeypatch.delenv("PLEXPORTAL_SEERR_URL")
    service.invalidate()
    assert service.get("SEERR_API_KEY") == SECRET


def test_plex_token_is_bound_to_plex_tv_too(logged_in, set_settings):
    set_settings(PLEX_URL="http://plex.lan:32400", PLEX_TOKEN=SECRET)
    r = logged_in.post("/settings/group/plex.tv", data={"PLEX_TV_URL": "https://evil.example",
                                                         "PLEX_CLIENTS_URL": "https://clients.plex.tv",
                                                         "PLEX_APP_URL": "https://app.plex.tv"}, htmx=True)
    assert r.status_code == 422
    assert "The address changed: enter the Plex token again" in r.get_data(as_text=True)
    assert service.get("PLEX_TV_URL") == "https://plex.tv"


class AuthRecorder:
    """An SMTP server that offers AUTH and records every line it is sent."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.port = self.sock.getsockname()[1]
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn, conn.makefile("rwb") as f:
                f.write(b"220 mail ready\r\n")
                f.flush()
                for raw in f:
                    line = raw.decode(errors="replace").strip()
                    self.lines.append(line)
                    if line.upper().startswith("EHLO"):
                        f.write(b"250-mail\r\n250 AUTH PLAIN LOGIN\r\n")
                    elif line.upper().startswith("QUIT"):
                        f.write(b"221 bye\r\n")
                        f.flush()
                        break
                    else:
                        f.write(b"235 ok\r\n" if line.upper().startswith("AUTH") else b"250 ok\r\n")
                    f.flush()

    def close(self):
        self.sock.close()


def test_the_smtp_password_goes_only_to_the_host_and_port_it_was_saved_for(logged_in, set_settings):
    import base64

    recorder = AuthRecorder()
    try:
        set_settings(SMTP_HOST="mail.example.com", SMTP_PORT="587", SMTP_USER="portal", SMTP_PASSWORD=SECRET,
                     SMTP_SECURITY="none", SMTP_FROM="portal@example.com")
        html = _test(logged_in, "Email", SMTP_HOST="127.0.0.1", SMTP_PORT=str(recorder.port), SMTP_USER="portal",
                     SMTP_PASSWORD="", SMTP_SECURITY="none", SMTP_FROM="portal@example.com")
        assert "The address changed: enter the SMTP password again" in html
        sent = " ".join(recorder.lines)
        assert SECRET not in sent and base64.b64encode(f"\0portal\0{SECRET}".encode()).decode() not in sent
        assert not any(line.upper().startswith("AUTH") for line in recorder.lines)
        # A downgrade from STARTTLS to plain text is a changed address too.
        set_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=str(recorder.port), SMTP_SECURITY="starttls",
                     SMTP_PASSWORD=SECRET)
        html = _test(logged_in, "Email", SMTP_HOST="127.0.0.1", SMTP_PORT=str(recorder.port), SMTP_USER="portal",
                     SMTP_PASSWORD="", SMTP_SECURITY="none", SMTP_FROM="portal@example.com")
        assert "The address changed" in html
        assert not any(line.upper().startswith("AUTH") for line in recorder.lines)
    finally:
        recorder.close()


@pytest.mark.parametrize("group,url_key,key_key", SERVICES)
def test_calls_carrying_a_key_never_follow_a_redirect(logged_in, set_settings, redirector, listener,
                                                      group, url_key, key_key):
    set_settings(**{url_key: redirector.url, key_key: SECRET})
    html = _test(logged_in, group, **{url_key: redirector.url, key_key: ""})
    assert redirector.calls, "the stored address was called"
    assert not listener.calls and not listener.saw(SECRET)
    assert "badge-bad" in html


def test_plex_tv_calls_do_not_follow_redirects(db, redirector, listener):
    from plexportal.gateways import plextv
    from plexportal.gateways.base import GatewayError

    gw = plextv.PlexTV(plextv.PlexTVSettings(url=redirector.url, clients_url=redirector.url, token=SECRET,
                                             client_id="test"))
    with pytest.raises(GatewayError, match="redirect"):
        gw.account()
    assert not listener.calls
