"""Clients pointed at a fake: no retries and no breaker unless a test asks for them."""
from __future__ import annotations

from plexportal.gateways.arr import ArrSettings
from plexportal.gateways.radarr import RadarrClient
from plexportal.gateways.seerr import SeerrClient, SeerrSettings
from plexportal.gateways.sonarr import SonarrClient

# Tests that make a server hang use these: a call gives up in well under a second.
QUICK = (1.0, 0.3)


def sonarr_client(fake, key: str | None = None, **kw) -> SonarrClient:
    kw.setdefault("retries", 0)
    kw.setdefault("breaker", None)
    return SonarrClient(ArrSettings(fake.url, fake.api_key if key is None else key), **kw)


def radarr_client(fake, key: str | None = None, **kw) -> RadarrClient:
    kw.setdefault("retries", 0)
    kw.setdefault("breaker", None)
    return RadarrClient(ArrSettings(fake.url, fake.api_key if key is None else key), **kw)


def seerr_client(fake, key: str | None = None, **kw) -> SeerrClient:
    kw.setdefault("retries", 0)
    kw.setdefault("breaker", None)
    return SeerrClient(SeerrSettings(fake.url, fake.api_key if key is None else key), **kw)
