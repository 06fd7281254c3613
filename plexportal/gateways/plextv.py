"""plex.tv and clients.plex.tv: every call the invites area makes to Plex's cloud (DESIGN law 6).

The URLs come from the PLEX_TV_URL / PLEX_CLIENTS_URL settings so tests and demos talk to a fake.
Bodies and paths are the ones python-plexapi sends (MyPlexAccount.inviteFriend / updateFriend /
removeFriend / users), written out here because plexapi has no base-URL setting and its v1
invite endpoints answer 410 Gone on the real plex.tv. Tokens travel as the X-Plex-Token header,
never in the query string (they would end up in proxy logs).
"""
from __future__ import annotations

import html
import json
import re
import uuid

# ElementTree never fetches external entities or DTDs, and Python's expat (2.4.1 and later)
# stops entity-expansion bombs, so plex.tv's XML needs no defusedxml.
import xml.etree.ElementTree as ET  # nosec B405 # see above
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests

from plexportal import __version__
from plexportal.gateways.base import GatewayError, describe_exception
from plexportal.gateways.plextv_types import (
    Account,
    Connection,
    Permissions,
    Pin,
    PlexUser,
    Section,
    ServerResource,
    Share,
    as_bool,
    as_int,
    as_time,
)
from plexportal.lib import http

# The answers' types live in plextv_types; areas name them through this module.
__all__ = ["Account", "AlreadySharing", "Connection", "Permissions", "Pin", "PlexTV", "PlexTVSettings", "PlexUser",
           "Section", "ServerResource", "Share", "auth_urls", "browser_pin", "client_identifier", "filter_string",
           "from_store", "settings_from_store"]

SERVICE = "plex.tv"
PRODUCT = "plexportal"


class AlreadySharing(GatewayError):
    """plex.tv refused an invite because the server is already shared with that account."""


@dataclass
class PlexTVSettings:
    url: str
    clients_url: str
    token: str
    client_id: str


def client_identifier(*_ignored: object) -> str:
    """A stable per-install X-Plex-Client-Identifier (plexapi's default is the host's MAC address):
    random, generated once and kept in the PLEX_CLIENT_ID setting. It is public (the join page and
    plex.tv see it), so it must not be derived from SECRET_KEY, which a fast hash of it would let
    anyone try to guess offline. (An argument, the key it once came from, is ignored.)"""
    from plexportal.settings import service as settings

    return settings.get_or_create("PLEX_CLIENT_ID", lambda: str(uuid.uuid4()))


def browser_pin(data: object) -> tuple[int, str] | None:
    """The PIN a page made at plex.tv, as it posts it back ({"pin_id", "pin_code"}): (id, code),
    or None when either is not what plex.tv hands out."""
    if not isinstance(data, dict):
        return None
    pin_id, pin_code = as_int(data.get("pin_id"), -1), str(data.get("pin_code") or "")
    if not (0 < pin_id < 2**63) or not re.fullmatch(r"[A-Za-z0-9]{1,64}", pin_code):
        return None
    return pin_id, pin_code


def auth_urls(app_url: str, client_id: str, pin_code: str, forward_url: str) -> dict[str, str]:
    """The two app.plex.tv addresses that approve a PIN: for a popup (the opener polls) and for the
    same tab (Plex sends the browser back to `forward_url` once approved; phones, blocked popups)."""
    base = app_url.rstrip("/") + "/auth#?"
    params = {"clientID": client_id, "code": pin_code, "context[device][product]": PRODUCT}
    return {"popup_url": base + urlencode(params), "redirect_url": base + urlencode({**params, "forwardUrl": forward_url})}


def filter_string(content_ratings: str = "", labels: str = "") -> str:
    """Build plexapi's filter format from comma lists: 'contentRating=G%2CPG|label=kids'."""
    parts = []
    for key, text in (("contentRating", content_ratings), ("label", labels)):
        values = [v.strip() for v in (text or "").split(",") if v.strip()]
        if values:
            parts.append(f"{key}=" + "%2C".join(values))
    return "|".join(parts)


class PlexTV:
    def __init__(self, settings: PlexTVSettings, session: requests.Session | None = None,
                 timeout: http.Timeout | None = None) -> None:
        self.settings = settings
        self.session = session or http.session(retries=1)
        self.timeout = timeout

    # -- plumbing ----------------------------------------------------------------------------
    def headers(self, token: str | None = None, accept: str | None = None) -> dict[str, str]:
        h = {"X-Plex-Client-Identifier": self.settings.client_id, "X-Plex-Product": PRODUCT,
             "X-Plex-Version": __version__, "X-Plex-Platform": "Web", "X-Plex-Device-Name": PRODUCT}
        if token:
            h["X-Plex-Token"] = token
        if accept:
            h["Accept"] = accept
        return h

    def _call(self, method: str, url: str, *, token: str | None = None, accept: str | None = None,
              json: object = None) -> requests.Response:
        if token is None:
            token = self.settings.token
            if not token:
                raise GatewayError("No Plex token is set: add it under Settings → Plex.", permanent=True)
        try:
            response = self.session.request(method, url, headers=self.headers(token, accept), json=json,
                                            timeout=self.timeout)
        except Exception as err:  # noqa: BLE001 - every transport failure becomes a GatewayError
            raise describe_exception(err, SERVICE) from None
        self._raise_for_status(response)
        return response

    @staticmethod
    def _raise_for_status(response: requests.Response) -> None:
        code = response.status_code
        if 300 <= code < 400:      # never followed: the token would go where it was not stored for
            raise GatewayError(f"plex.tv answered with a redirect ({code}); plexportal does not follow redirects "
                               "with a token: check the plex.tv addresses.", permanent=True, status=code)
        if code < 400:
            return
        text = (response.text or "")[:500]
        if code == 401:
            raise GatewayError("plex.tv rejected the token (401): it is no longer valid.", permanent=True, status=401)
        if code == 410:
            raise GatewayError("plex.tv no longer offers this endpoint (410 Gone).", permanent=True, status=410)
        if code == 429:
            raise GatewayError("plex.tv is rate limiting us (429); will retry.", status=429)
        if code >= 500:
            raise GatewayError(f"plex.tv had an internal error ({code}); will retry.", status=code)
        if code in (400, 409, 422) and "already" in text.lower() and ("shar" in text.lower() or "friend" in text.lower()):
            raise AlreadySharing("plex.tv says the server is already shared with this account.", status=code)
        if code == 404:
            raise GatewayError("plex.tv answered 404 Not Found.", permanent=True, status=code)
        raise GatewayError(f"plex.tv refused the request ({code}): {_short(text)}", permanent=True, status=code)

    def tv(self, path: str) -> str:
        return self.settings.url.rstrip("/") + path

    def clients(self, path: str) -> str:
        return self.settings.clients_url.rstrip("/") + path

    # -- accounts and the server -------------------------------------------------------------
    def account(self, token: str | None = None) -> Account:
        """GET /api/v2/user (XML, as plexapi reads it)."""
        root = _xml(self._call("GET", self.tv("/api/v2/user"), token=token))
        confirmed = root.get("confirmed")
        return Account(id=as_int(root.get("id")), uuid=root.get("uuid", ""), username=root.get("username", ""),
                       email=root.get("email", ""), title=root.get("title", ""),
                       confirmed=None if confirmed is None else as_bool(confirmed), thumb=root.get("thumb", ""))

    def servers(self, token: str) -> list[ServerResource]:
        """GET /api/v2/resources (XML, as plexapi's MyPlexAccount.resources reads it): the Plex
        Media Servers the account behind `token` can reach, with their addresses."""
        root = _xml(self._call("GET", self.tv("/api/v2/resources?includeHttps=1&includeRelay=1"), token=token))
        out = []
        for r in root.iter("resource"):
            if "server" not in (r.get("provides") or "").split(","):
                continue
            connections = tuple(Connection(uri=c.get("uri", ""), local=as_bool(c.get("local")), relay=as_bool(c.get("relay")))
                                for c in r.iter("connection"))
            out.append(ServerResource(name=r.get("name", ""), machine_identifier=r.get("clientIdentifier", ""),
                                      owned=as_bool(r.get("owned")), connections=connections))
        return out

    def server_sections(self, machine_id: str) -> list[Section]:
        """GET /api/servers/{mid}: the server's libraries with their plex.tv global ids."""
        root = _xml(self._call("GET", self.tv(f"/api/servers/{machine_id}")))
        return [Section(id=as_int(s.get("id")), key=s.get("key", ""), title=s.get("title", ""), type=s.get("type", ""))
                for s in root.iter("Section")]

    def users(self) -> list[PlexUser]:
        """GET /api/users/: everyone the owner shares with or has in Plex Home."""
        root = _xml(self._call("GET", self.tv("/api/users/")))
        out = []
        for u in root.iter("User"):
            shares = [Share(id=as_int(s.get("id")), machine_identifier=s.get("machineIdentifier", ""),
                            name=s.get("name", ""), num_libraries=as_int(s.get("numLibraries")),
                            all_libraries=as_bool(s.get("allLibraries")), pending=as_bool(s.get("pending")),
                            last_seen_at=as_time(s.get("lastSeenAt"))) for s in u.iter("Server")]
            out.append(PlexUser(id=as_int(u.get("id")), username=u.get("username", ""), email=u.get("email", ""),
                                title=u.get("title", ""), thumb=u.get("thumb", ""), home=as_bool(u.get("home")),
                                restricted=as_bool(u.get("restricted")), allow_sync=as_bool(u.get("allowSync")),
                                allow_channels=as_bool(u.get("allowChannels")),
                                allow_camera_upload=as_bool(u.get("allowCameraUpload")), servers=shares))
        return out

    def shared_sections(self, machine_id: str, share_id: int) -> list[Section]:
        """GET /api/servers/{mid}/shared_servers/{id}: which libraries one share includes."""
        root = _xml(self._call("GET", self.tv(f"/api/servers/{machine_id}/shared_servers/{share_id}")))
        return [Section(id=as_int(s.get("id")), key=s.get("key", ""), title=s.get("title", ""), type=s.get("type", ""),
                        shared=as_bool(s.get("shared"))) for s in root.iter("Section")]

    # -- sharing -------------------------------------------------------------------------------
    def invite_friend(self, machine_id: str, identifier: str, section_ids: list[int], perms: Permissions) -> None:
        """inviteFriend: POST /api/servers/{mid}/shared_servers with plexapi's exact body.
        Raises AlreadySharing when the account already has the server."""
        body = {"server_id": machine_id,
                "shared_server": {"library_section_ids": [int(i) for i in section_ids], "invited_email": identifier},
                "sharing_settings": perms.sharing_settings()}
        self._call("POST", self.tv(f"/api/servers/{machine_id}/shared_servers"), json=body)

    def invite_home_user(self, identifier: str) -> None:
        """createExistingUser's first step: POST /api/home/users?invitedEmail=… (then invite_friend)."""
        self._call("POST", self.tv("/api/home/users?" + urlencode({"invitedEmail": identifier})))

    def update_share(self, machine_id: str, share_id: int, section_ids: list[int]) -> None:
        """updateFriend (libraries): PUT /api/servers/{mid}/shared_servers/{id}."""
        body = {"server_id": machine_id, "shared_server": {"library_section_ids": [int(i) for i in section_ids]}}
        self._call("PUT", self.tv(f"/api/servers/{machine_id}/shared_servers/{share_id}"), json=body)

    def update_permissions(self, user_id: int, perms: Permissions) -> None:
        """updateFriend (flags and filters): PUT /api/v2/sharings/{userId}?allowSync=…"""
        query = urlencode(perms.sharing_settings())
        self._call("PUT", self.tv(f"/api/v2/sharings/{user_id}?{query}"))

    def remove_friend(self, user_id: int) -> None:
        """removeFriend: DELETE /api/v2/sharings/{userId}. A share that is already gone is success."""
        try:
            self._call("DELETE", self.tv(f"/api/v2/sharings/{user_id}"))
        except GatewayError as err:
            if err.status != 404:
                raise

    def remove_home_user(self, user_id: int) -> None:
        try:
            self._call("DELETE", self.tv(f"/api/home/users/{user_id}"))
        except GatewayError as err:
            if err.status != 404:
                raise

    # -- Sign in with Plex and auto-accept (the invited person's token) ------------------------
    def pin(self, pin_id: int) -> Pin:
        """GET /api/v2/pins/{id} with our client identifier; authToken appears once approved."""
        data = self._json(self._call("GET", self.tv(f"/api/v2/pins/{int(pin_id)}"), token="",
                                     accept="application/json"))
        return Pin(id=as_int(data.get("id")), code=str(data.get("code", "")), auth_token=data.get("authToken") or None)

    def approved_account(self, pin_id: int) -> tuple[str, Account] | None:
        """Sign in with Plex: the token and account that approved the PIN, or None while it waits."""
        pin = self.pin(pin_id)
        if not pin.auth_token:
            return None
        return pin.auth_token, self.account(pin.auth_token)

    def pending_invites(self, user_token: str) -> list[dict[str, Any]]:
        """clients.plex.tv: the share invites waiting for this user."""
        data = self._json(self._call("GET", self.clients("/api/v2/shared_servers/invites/received/pending"),
                                     token=user_token, accept="application/json"))
        return [i for i in data if isinstance(i, dict)] if isinstance(data, list) else []

    def accept_invite(self, user_token: str, invite_id: int) -> None:
        self._call("POST", self.clients(f"/api/v2/shared_servers/{int(invite_id)}/accept"), token=user_token,
                   accept="application/json")

    def accept_share_from(self, user_token: str, machine_id: str) -> bool:
        """Accept the pending share of *our* server (matched by machineIdentifier). False if none waits."""
        for invite in self.pending_invites(user_token):
            for shared in invite.get("sharedServers") or []:
                server = shared.get("server") if isinstance(shared.get("server"), dict) else {}
                if machine_id in (shared.get("machineIdentifier"), server.get("machineIdentifier")):
                    self.accept_invite(user_token, as_int(shared.get("id")))
                    return True
        return False

    @staticmethod
    def _json(response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise GatewayError("plex.tv did not answer with JSON.", permanent=True) from None


def _xml(response: requests.Response) -> ET.Element:
    try:
        return ET.fromstring(response.content)  # nosec B314 # no external entities; expat caps expansion
    except ET.ParseError:
        raise GatewayError("plex.tv did not answer with XML.", permanent=True) from None


def _short(text: str) -> str:
    """plex.tv's reason in words: the `status`/`message` of its XML answer
    (<Response code="400" status="…"/>, <errors><error message="…"/></errors>) or of its JSON
    ({"errors": [{"message": …}]}); otherwise the start of the body."""
    text = (text or "").strip()
    reasons = re.findall(r'\b(?:status|message)="([^"]*)"', text) if text.startswith("<") else []
    if not reasons and text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict):
            errors: list[object] = data["errors"] if isinstance(data.get("errors"), list) else [data]
            reasons = [str(e.get("message") or e.get("error") or "") for e in errors if isinstance(e, dict)]
    reason = "; ".join(html.unescape(r) for r in reasons if r) or text
    return " ".join(reason.split())[:160] or "no detail"


def settings_from_store() -> PlexTVSettings:
    from plexportal.settings import service as settings

    return PlexTVSettings(url=settings.get("PLEX_TV_URL"), clients_url=settings.get("PLEX_CLIENTS_URL"),
                          token=settings.get("PLEX_TOKEN"), client_id=client_identifier())


def from_store(**kwargs: Any) -> PlexTV:
    return PlexTV(settings_from_store(), **kwargs)
