"""What every monitor shares: its description, the run context that records what it found and did,
the action ledger (act once per thing), and the Sonarr/Radarr/Seerr clients it may use."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from peewee import IntegrityError

from plexportal.db import db
from plexportal.gateways import radarr, rest, seerr, sonarr
from plexportal.gateways.base import GatewayError
from plexportal.gateways.radarr import RadarrClient
from plexportal.gateways.seerr import SeerrClient
from plexportal.gateways.sonarr import SonarrClient
from plexportal.health.models import HealthAction
from plexportal.lib import clock
from plexportal.settings import service as settings

log = logging.getLogger(__name__)

# Monitors run in the background: short timeouts, one retry, then next run. A host that keeps not
# answering is skipped for a while by the gateways' breaker (gateways/rest.py).
TIMEOUT = rest.TIMEOUT
RETRIES = 1
WORKING_EXPIRES = timedelta(minutes=30)     # an action left "working" by a killed worker is retried


@dataclass
class Monitor:
    name: str                       # CLI name: quality, import-fix, …
    label: str
    description: str
    run: Callable[[Context], None]
    default_interval: int = 30      # minutes
    settings: tuple[str, ...] = ()  # its own setting keys, shown on its page

    @property
    def key(self) -> str:
        return self.name.upper().replace("-", "_")

    @property
    def enabled_key(self) -> str:
        return f"MONITOR_{self.key}_ENABLED"

    @property
    def interval_key(self) -> str:
        return f"MONITOR_{self.key}_INTERVAL"


@dataclass
class Context:
    """What one run found and did. Monitors call `note`/`acted`/`upstream_error`; the runner stores it."""
    monitor: str
    trigger: str = "schedule"
    only: dict = field(default_factory=dict)     # narrow a run (e.g. {"service": "sonarr", "download_id": …})
    found: int = 0
    acted_count: int = 0
    lines: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def note(self, line: str) -> None:
        self.lines.append(line)
        log.info("%s: %s", self.monitor, line)

    def acted(self, line: str) -> None:
        self.acted_count += 1
        self.note(line)

    def upstream_error(self, service: str, err: Exception) -> None:
        message = err.message if isinstance(err, GatewayError) else f"{type(err).__name__}"
        # "skipped: Sonarr did not answer the last 3 times…" names the service already.
        self.errors.append(message if isinstance(err, rest.Skipped) else f"{service}: {message}")
        log.warning("%s: %s failed: %s (will retry next run)", self.monitor, service, message)


# -- the ledger ------------------------------------------------------------------------------------

def claim(key: str, monitor: str, kind: str, subject: str = "", details: dict | None = None) -> HealthAction | None:
    """Take the right to act on `key`. None when it was done already (or is being done right now).
    A failed (or abandoned) attempt can be claimed again, so errors are retried next run."""
    key = key[:200]
    now = clock.now()
    try:
        with db.atomic():
            return HealthAction.create(key=key, monitor=monitor, kind=kind, subject=subject[:300],
                                       details=details, created_at=now, updated_at=now)
    except IntegrityError:
        pass
    retried = (HealthAction.update(status="working", updated_at=now, error="")
               .where((HealthAction.key == key)
                      & ((HealthAction.status == "failed")
                         | ((HealthAction.status == "working") & (HealthAction.updated_at < now - WORKING_EXPIRES))))
               .execute())
    return HealthAction.get(HealthAction.key == key) if retried == 1 else None


def done(action: HealthAction, **details) -> None:
    merged = {**(action.details or {}), **details} if details else action.details
    HealthAction.update(status="done", updated_at=clock.now(), details=merged).where(
        HealthAction.id == action.id).execute()


def failed(action: HealthAction, error: Exception | str) -> None:
    text = error.message if isinstance(error, GatewayError) else str(error)
    HealthAction.update(status="failed", updated_at=clock.now(), error=text[:500]).where(
        HealthAction.id == action.id).execute()


def is_done(key: str) -> bool:
    return HealthAction.select().where((HealthAction.key == key[:200]) & (HealthAction.status == "done")).exists()


# -- clients -----------------------------------------------------------------------------------------

def arr_clients() -> list[tuple[str, SonarrClient | RadarrClient]]:
    """("sonarr", client), ("radarr", client) for each one configured."""
    return [(name, arr_client(name)) for name in ("sonarr", "radarr") if settings.get(f"{name.upper()}_URL")]


def per_arr(check_service):
    """A monitor's run() that calls check_service(ctx, service, client) for Sonarr and Radarr (those
    configured, or the one the run is limited to); one service's outage does not stop the other."""
    def run(ctx) -> None:
        for service, client in arr_clients():
            if ctx.only.get("service") not in (None, service):
                continue
            try:
                check_service(ctx, service, client)
            except GatewayError as err:
                ctx.upstream_error(service.title(), err)
    return run


def sonarr_client() -> SonarrClient:
    return sonarr.client(timeout=TIMEOUT, retries=RETRIES)


def radarr_client() -> RadarrClient:
    return radarr.client(timeout=TIMEOUT, retries=RETRIES)


def arr_client(service: str) -> SonarrClient | RadarrClient:
    if service == "sonarr":
        return sonarr_client()
    if service == "radarr":
        return radarr_client()
    raise KeyError(service)


def seerr_client() -> SeerrClient | None:
    if not settings.get("SEERR_URL"):
        return None
    return seerr.client(timeout=TIMEOUT, retries=RETRIES)
