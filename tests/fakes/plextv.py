"""A stateful fake plex.tv + clients.plex.tv + app.plex.tv on one loopback server.

Wire formats follow ../shared/reference/plex.md §3.4: XML for the v1/v2 account calls plexapi
reads (no Accept header), JSON for pins when the browser asks with Accept: application/json and
for clients.plex.tv's v2 share invites. Tests read `calls` (exact paths, queries, JSON bodies) and
inject failures with `fail_next(status, body, path=…)`.
"""
from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from xml.sax.saxutils import quoteattr

from flask import Flask, Response, request

from tests.fakes.plex import FakePlex
from tests.fakes.server import FakeService

ADMIN_TOKEN = "plex-token"


@dataclass
class FakeAccount:
    id: int
    username: str
    email: str
    token: str
    confirmed: bool = True

    @property
    def uuid(self) -> str:
        return f"uuid-{self.id}"


@dataclass
class FakeShare:
    id: int
    user_id: int
    machine_id: str
    section_ids: list
    pending: bool = True
    invited: str = ""
    settings: dict = field(default_factory=dict)
    last_seen_at: int = 0


class FakePlexTV(FakeService):
    name = "plextv"

    def __init__(self, machine_id: str = "machine-abc123", server_name: str = "Harbour Server"):
        self.machine_id = machine_id
        self.server_name = server_name
        # global section id, local key, title, type
        self.sections = [(1001, "1", "Movies", "movie"), (1002, "2", "TV Shows", "show"),
                         (1003, "3", "Music", "artist")]
        self.accounts: dict[str, FakeAccount] = {}
        self.shares: dict[int, FakeShare] = {}
        self.home_invites: list[str] = []
        self.pins: dict[int, dict] = {}
        # The owner's Plex Media Servers as GET /api/v2/resources lists them (tests set the address).
        self.server_uri = "http://127.0.0.1:32400"
        self.other_servers: list[tuple[str, str, str]] = []     # (name, machine id, uri) also owned
        self._ids = itertools.count(500)
        self._state = threading.Lock()
        self.add_account(1, "admin", "admin@example.com", ADMIN_TOKEN)
        super().__init__()

    # -- test helpers -----------------------------------------------------------------------
    def add_account(self, id: int, username: str, email: str, token: str, confirmed: bool = True) -> FakeAccount:
        acct = FakeAccount(id, username, email, token, confirmed)
        self.accounts[token] = acct
        return acct

    def account_by(self, identifier: str) -> FakeAccount | None:
        ident = (identifier or "").lower()
        return next((a for a in self.accounts.values()
                     if ident in (a.username.lower(), a.email.lower(), str(a.id))), None)

    def approve_pin(self, pin_id: int | None = None, code: str | None = None, token: str = "") -> None:
        with self._state:
            for pid, pin in self.pins.items():
                if pid == pin_id or pin["code"] == code:
                    pin["authToken"] = token
                    return
        raise KeyError("no such pin")

    def share_of(self, user_id: int) -> FakeShare | None:
        return next((s for s in self.shares.values() if s.user_id == user_id and s.machine_id == self.machine_id), None)

    # -- helpers ------------------------------------------------------------------------------
    def xml(self, body: str, status: int = 200) -> Response:
        return Response('<?xml version="1.0" encoding="UTF-8"?>\n' + body, status=status, mimetype="text/xml")

    def token_account(self) -> FakeAccount | None:
        return self.accounts.get(request.headers.get("X-Plex-Token", ""))

    def unauthorized(self) -> Response:
        return Response(json.dumps({"errors": [{"code": 1001, "message": "User could not be authenticated"}]}),
                        status=401, mimetype="application/json")

    def _is_admin(self) -> bool:
        acct = self.token_account()
        return acct is not None and acct.id == 1

    def routes(self, app: Flask) -> None:
        @app.after_request
        def cors(response):
            # plex.tv answers the browser's cross-origin pin calls.
            response.headers["Access-Control-Allow-Origin"] = "*"
            response.headers["Access-Control-Allow-Headers"] = "*"
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, DELETE, OPTIONS"
            return response

        @app.route("/api/v2/pins", methods=["POST", "OPTIONS"])
        def create_pin():
            if request.method == "OPTIONS":
                return Response("", 204)
            client = request.headers.get("X-Plex-Client-Identifier", "")
            if not client:
                return Response(json.dumps({"errors": [{"code": 1000, "message": "X-Plex-Client-Identifier is missing"}]}),
                                status=400, mimetype="application/json")
            with self._state:
                pid = next(self._ids)
                pin = {"id": pid, "code": f"CODE{pid}", "clientIdentifier": client, "authToken": None,
                       "strong": request.args.get("strong", "").lower() == "true", "created": time.time()}
                self.pins[pid] = pin
            return self._pin_response(pin, 201)

        @app.route("/api/v2/pins/<int:pid>", methods=["GET", "OPTIONS"])
        def read_pin(pid):
            if request.method == "OPTIONS":
                return Response("", 204)
            pin = self.pins.get(pid)
            if pin is None or pin["clientIdentifier"] != request.headers.get("X-Plex-Client-Identifier"):
                return Response(json.dumps({"errors": [{"code": 1020, "message": "Code not found or expired"}]}),
                                status=404, mimetype="application/json")
            return self._pin_response(pin)

        @app.get("/api/v2/user")
        def user():
            acct = self.token_account()
            if acct is None:
                return self.unauthorized()
            return self.xml(f'<user id="{acct.id}" uuid="{acct.uuid}" username={quoteattr(acct.username)} '
                            f'email={quoteattr(acct.email)} title={quoteattr(acct.username)} authToken="{acct.token}" '
                            f'confirmed="{1 if acct.confirmed else 0}" scrobbleTypes="">'
                            '<subscription active="0" status="Inactive" plan="free"/><profile/></user>')

        @app.get("/api/v2/resources")
        def resources():
            # plexapi's MyPlexResource wire format: <resource provides=… owned=…><connections><connection …/>
            if self.token_account() is None:
                return self.unauthorized()
            servers = ([(self.server_name, self.machine_id, self.server_uri), *self.other_servers]
                       if self._is_admin() else [])            # another account owns no server here
            body = "".join(
                f'<resource name={quoteattr(name)} product="Plex Media Server" provides="server" owned="1" '
                f'clientIdentifier="{mid}" presence="1"><connections>'
                f'<connection protocol="http" address="127.0.0.1" port="32400" uri={quoteattr(uri)} local="1" relay="0"/>'
                f'<connection protocol="https" address="relay.plex.direct" port="8443" '
                f'uri="https://relay-{mid}.plex.direct:8443" local="0" relay="1"/></connections></resource>'
                for name, mid, uri in servers)
            player = ('<resource name="Living room TV" product="Plex for LG" provides="client,player" owned="1" '
                      'clientIdentifier="tv-1"><connections/></resource>')
            return self.xml(f"<resources size=\"{len(servers) + 1}\">{body}{player}</resources>")

        self._server_routes(app)
        self._user_routes(app)
        self._browser_routes(app)

    def _server_routes(self, app: Flask) -> None:
        """The owner's server: its sections and its shares."""
        @app.get("/api/servers/<mid>")
        def server(mid):
            if not self._is_admin():
                return self.unauthorized()
            if mid != self.machine_id:
                return Response("", 404)
            rows = "".join(f'<Section id="{i}" key="{k}" title={quoteattr(t)} type="{ty}"/>' for i, k, t, ty in self.sections)
            return self.xml(f'<MediaContainer size="1"><Server machineIdentifier="{mid}" name={quoteattr(self.server_name)}>'
                            f'{rows}</Server></MediaContainer>')

        @app.post("/api/servers/<mid>/shared_servers")
        def invite(mid):
            if not self._is_admin():
                return self.unauthorized()
            body = request.get_json(silent=True) or {}
            shared = body.get("shared_server") or {}
            ident = shared.get("invited_email") or str(shared.get("invited_id") or "")
            acct = self.account_by(ident)
            with self._state:
                if acct is not None and self.share_of(acct.id) is not None:
                    return self.xml(f'<Response code="400" status="Already sharing this server with {ident}"/>', 400)
                if acct is None and "@" not in ident:
                    return self.xml('<Response code="400" status="Unable to find user"/>', 400)
                user_id = acct.id if acct else next(self._ids)
                sid = next(self._ids)
                self.shares[sid] = FakeShare(sid, user_id, mid, list(shared.get("library_section_ids") or []),
                                             invited=ident, settings=body.get("sharing_settings") or {})
            return self.xml(f'<MediaContainer size="1"><SharedServer id="{sid}" userID="{user_id}" '
                            f'invitedEmail={quoteattr(ident)} acceptedAt="0"/></MediaContainer>', 201)

        @app.route("/api/servers/<mid>/shared_servers/<int:sid>", methods=["GET", "PUT"])
        def shared_server(mid, sid):
            if not self._is_admin():
                return self.unauthorized()
            share = self.shares.get(sid)
            if share is None:
                return Response("", 404)
            if request.method == "PUT":
                body = request.get_json(silent=True) or {}
                share.section_ids = list((body.get("shared_server") or {}).get("library_section_ids") or [])
                return self.xml("<MediaContainer/>")
            rows = "".join(f'<Section id="{i}" key="{k}" title={quoteattr(t)} type="{ty}" shared="{1 if i in share.section_ids else 0}"/>'
                           for i, k, t, ty in self.sections)
            return self.xml(f'<MediaContainer><SharedServer id="{sid}">{rows}</SharedServer></MediaContainer>')

    def _user_routes(self, app: Flask) -> None:
        """The owner's users, Plex Home, and the invites a user accepts."""
        @app.get("/api/users/")
        def users():
            if not self._is_admin():
                return self.unauthorized()
            out = []
            for share in list(self.shares.values()):
                acct = next((a for a in self.accounts.values() if a.id == share.user_id), None)
                username = acct.username if acct else ""
                email = acct.email if acct else share.invited
                s = share.settings
                out.append(f'<User id="{share.user_id}" username={quoteattr(username)} email={quoteattr(email)} '
                           f'title={quoteattr(username or email)} thumb="" home="0" restricted="0" protected="0" '
                           f'allowSync="{s.get("allowSync", "0")}" allowCameraUpload="{s.get("allowCameraUpload", "0")}" '
                           f'allowChannels="{s.get("allowChannels", "0")}">'
                           f'<Server id="{share.id}" serverId="9" machineIdentifier="{share.machine_id}" '
                           f'name={quoteattr(self.server_name)} lastSeenAt="{share.last_seen_at}" '
                           f'numLibraries="{len(share.section_ids)}" allLibraries="0" owned="0" '
                           f'pending="{1 if share.pending else 0}"/></User>')
            return self.xml(f'<MediaContainer friendlyName="myPlex" size="{len(out)}">{"".join(out)}</MediaContainer>')

        @app.route("/api/v2/sharings/<int:uid>", methods=["PUT", "DELETE"])
        def sharing(uid):
            if not self._is_admin():
                return self.unauthorized()
            with self._state:
                mine = [s for s in self.shares.values() if s.user_id == uid]
                if not mine:
                    return Response("", 404)
                for share in mine:
                    if request.method == "DELETE":
                        del self.shares[share.id]
                    else:
                        share.settings.update(request.args.to_dict())
            return Response("", 204 if request.method == "DELETE" else 200)

        @app.route("/api/home/users", methods=["POST"])
        def home_users():
            if not self._is_admin():
                return self.unauthorized()
            self.home_invites.append(request.args.get("invitedEmail", ""))
            return self.xml("<MediaContainer/>", 201)

        @app.route("/api/home/users/<int:uid>", methods=["DELETE"])
        def home_user(uid):
            if not self._is_admin():
                return self.unauthorized()
            return Response("", 204)

        # clients.plex.tv ---------------------------------------------------------------------
        @app.get("/api/v2/shared_servers/invites/received/pending")
        def pending():
            acct = self.token_account()
            if acct is None:
                return self.unauthorized()
            admin = self.accounts[ADMIN_TOKEN]
            out = [{"id": share.id, "createdAt": 0,
                    "owner": {"id": admin.id, "uuid": admin.uuid, "username": admin.username, "email": admin.email,
                              "title": admin.username, "friendlyName": admin.username},
                    "sharedServers": [{"id": share.id, "name": self.server_name, "machineIdentifier": share.machine_id,
                                       "libraryIds": share.section_ids}]}
                   for share in self.shares.values() if share.user_id == acct.id and share.pending]
            return Response(json.dumps(out), mimetype="application/json")

        @app.post("/api/v2/shared_servers/<int:sid>/accept")
        def accept(sid):
            acct = self.token_account()
            if acct is None:
                return self.unauthorized()
            share = self.shares.get(sid)
            if share is None or share.user_id != acct.id:
                return Response(json.dumps({"errors": [{"code": 1020, "message": "Not found"}]}), 404,
                                mimetype="application/json")
            share.pending = False
            return Response(json.dumps({"id": sid, "accepted": True}), mimetype="application/json")

    def _browser_routes(self, app: Flask) -> None:
        """The app.plex.tv page a person approves a PIN on (and the tests' shortcut for it)."""
        @app.get("/auth")
        @app.get("/auth/")
        def auth_page():
            # The real page signs the person in; here one button approves the pin named in the
            # URL fragment (never sent to a server) for the account given in ?as=… or "friend".
            return Response(AUTH_PAGE, mimetype="text/html")

        @app.post("/_fake/approve")
        def approve():
            data = request.get_json(silent=True) or {}
            acct = self.account_by(data.get("as") or "friend")
            if acct is None:
                return Response("no such account", 400)
            with self._state:
                for pin in self.pins.values():
                    if pin["code"] == data.get("code"):
                        pin["authToken"] = acct.token
                        return Response("ok")
            return Response("no such pin", 404)

    def _pin_response(self, pin: dict, status: int = 200) -> Response:
        if "json" in request.headers.get("Accept", ""):
            data = {"id": pin["id"], "code": pin["code"], "clientIdentifier": pin["clientIdentifier"],
                    "authToken": pin["authToken"], "errors": None}
            return Response(json.dumps(data), status=status, mimetype="application/json")
        token = f' authToken="{pin["authToken"]}"' if pin["authToken"] else ""
        return self.xml(f'<pin id="{pin["id"]}" code="{pin["code"]}"{token}/>', status)


AUTH_PAGE = """<!doctype html><html><head><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Plex (fake)</title></head><body style="font-family:sans-serif;padding:2rem">
<h1>Sign in to Plex (test server)</h1><p id="what"></p>
<button id="approve" style="font-size:1.2rem;padding:.6rem 1.2rem">Approve</button>
<script>
var hash = location.hash.replace(/^#!?\\??/, "");
var params = new URLSearchParams(hash);
document.getElementById("what").textContent = "App " + params.get("context[device][product]") + " asks to sign in (code " + params.get("code") + ").";
document.getElementById("approve").onclick = function () {
  var as = new URLSearchParams(location.search).get("as") || "friend";
  fetch("/_fake/approve", {method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({code: params.get("code"), as: as})}).then(function () {
      var fwd = params.get("forwardUrl");
      if (fwd) { location.href = fwd; } else { document.body.textContent = "Done. You can close this window."; window.close(); }
  });
};
</script></body></html>"""


class FakePlexWithLibraries(FakePlex):
    """The fake Plex Media Server plus /library/sections, matching FakePlexTV's local keys."""

    def __init__(self, sections=None, **kwargs):
        self.library = sections or [("1", "Movies", "movie"), ("2", "TV Shows", "show"), ("3", "Music", "artist")]
        super().__init__(**kwargs)

    def routes(self, app: Flask) -> None:
        super().routes(app)

        @app.get("/library")
        def invites_library():
            return self.xml('<MediaContainer size="2" allowSync="0" title1="Plex Library">'
                            '<Directory key="sections" title="Library Sections"/>'
                            '<Directory key="recentlyAdded" title="Recently Added Content"/></MediaContainer>')

        @app.get("/library/sections")
        def invites_sections():     # FakePlex may serve this path already; its answer then wins
            rows = "".join(f'<Directory allowSync="1" key="{k}" type="{t}" title={quoteattr(title)} agent="tv.plex.agents.{t}" '
                           f'scanner="Plex Scanner" language="en-US" uuid="uuid-{k}" updatedAt="1700000000" '
                           f'createdAt="1600000000" scannedAt="1700000000"/>' for k, title, t in self.library)
            return self.xml(f'<MediaContainer size="{len(self.library)}" allowSync="0" title1="Plex Library">'
                            f'{rows}</MediaContainer>')
