"""What plex.tv's answers are turned into before they leave the gateway: accounts, a server's
sections, the shares of a friend, sign-in PINs, a server's addresses and the sharing permissions,
with the lenient number, flag and time readers plex.tv's XML and JSON need (a missing or odd value
becomes a default, never an exception)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass
class Account:
    id: int
    uuid: str
    username: str
    email: str
    title: str
    confirmed: bool | None          # None when plex.tv did not say
    thumb: str = ""


@dataclass
class Section:
    id: int                          # plex.tv's global section id: what sharing calls take
    key: str                         # the server's local key
    title: str
    type: str
    shared: bool | None = None


@dataclass
class Share:
    id: int                          # the shared_server id (FRIENDSERVERS {serverId})
    machine_identifier: str
    name: str
    num_libraries: int
    all_libraries: bool
    pending: bool
    last_seen_at: datetime | None


@dataclass
class PlexUser:
    id: int
    username: str
    email: str
    title: str
    thumb: str
    home: bool
    restricted: bool
    allow_sync: bool
    allow_channels: bool
    allow_camera_upload: bool
    servers: list[Share] = field(default_factory=list)

    def share_for(self, machine_identifier: str) -> Share | None:
        return next((s for s in self.servers if s.machine_identifier == machine_identifier), None)


@dataclass
class Pin:
    id: int
    code: str
    auth_token: str | None


@dataclass(frozen=True)
class Connection:
    """One address a Plex Media Server can be reached at (plex.tv's list of resources)."""
    uri: str
    local: bool = False
    relay: bool = False


@dataclass(frozen=True)
class ServerResource:
    """A Plex Media Server an account can reach (GET /api/v2/resources, provides="server")."""
    name: str
    machine_identifier: str
    owned: bool
    connections: tuple[Connection, ...] = ()

    def preferred_uri(self) -> str:
        """The address to use: on the local network first, HTTPS before HTTP, the relay last."""
        ranked = sorted((c for c in self.connections if c.uri),
                        key=lambda c: (c.relay, not c.local, not c.uri.startswith("https:")))
        return ranked[0].uri if ranked else ""


@dataclass
class Permissions:
    allow_sync: bool = False
    allow_camera_upload: bool = False
    allow_channels: bool = False
    filter_movies: str = ""          # "contentRating=G%2CPG|label=kids" as plexapi builds it
    filter_television: str = ""
    filter_music: str = ""

    def sharing_settings(self) -> dict[str, str]:
        return {"allowSync": flag(self.allow_sync), "allowCameraUpload": flag(self.allow_camera_upload),
                "allowChannels": flag(self.allow_channels), "filterMovies": self.filter_movies or "",
                "filterTelevision": self.filter_television or "", "filterMusic": self.filter_music or ""}


def flag(value: bool) -> str:
    return "1" if value else "0"


def as_bool(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true")


def as_int(value: object, default: int = 0) -> int:
    if not isinstance(value, int | float | str | bytes):
        return default
    try:
        return int(value)
    except (ValueError, OverflowError):
        return default


def as_time(value: str | None) -> datetime | None:
    n = as_int(value, 0)
    return datetime.fromtimestamp(n, UTC) if n > 0 else None
