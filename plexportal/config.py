"""Process configuration from PLEXPORTAL_* environment variables (and a .env file).

Only what the process needs before it can reach the database lives here. Everything an
admin may change at run time is a setting (see plexportal/settings/registry.py).
"""
from __future__ import annotations

import ipaddress
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import overload

from dotenv import load_dotenv


class ConfigError(RuntimeError):
    """A startup problem the operator must fix; the message says how."""


@overload
def _env(name: str) -> str | None: ...
@overload
def _env(name: str, default: str) -> str: ...
def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"PLEXPORTAL_{name}")
    return value if value not in (None, "") else default


def _bool(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


@dataclass
class Config:
    data_dir: Path = Path("./data")
    database_url: str | None = None
    redis_url: str | None = None
    secret_key: str = ""
    secret_key_previous: str | None = None
    bind: str = "127.0.0.1:8000"
    trusted_proxies: int = 0
    session_cookie_secure: bool = False
    testing: bool = False
    huey_immediate: bool = False
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> Config:
        load_dotenv(override=False)
        data_dir = Path(_env("DATA_DIR", "./data")).expanduser()
        try:
            proxies = int(_env("TRUSTED_PROXIES", "0"))
            if proxies < 0:
                raise ValueError
        except ValueError:
            raise ConfigError("PLEXPORTAL_TRUSTED_PROXIES must be a whole number of proxy hops (0 when "
                              "nothing sits in front of plexportal).") from None
        secret = _env("SECRET_KEY", "") or ""
        if secret and len(secret) < 16:
            raise ConfigError("PLEXPORTAL_SECRET_KEY is too short: use at least 32 random characters, e.g. from "
                              "`python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`, or unset it to have "
                              "one generated into the data directory.")
        return cls(
            data_dir=data_dir,
            database_url=_env("DATABASE_URL"),
            redis_url=_env("REDIS_URL"),
            secret_key=secret,
            secret_key_previous=_env("SECRET_KEY_PREVIOUS"),
            bind=_env("BIND", "127.0.0.1:8000"),
            trusted_proxies=proxies,
            session_cookie_secure=_bool(_env("SECURE_COOKIES"), False),
        )

    # -- derived -------------------------------------------------------------------------
    @property
    def app_db_path(self) -> Path:
        return self.data_dir / "plexportal.db"

    @property
    def huey_db_path(self) -> Path:
        return self.data_dir / "huey.db"

    def ensure_data_dir(self) -> None:
        """Create the data dir (0700) and check it is writable, with an error an operator can act
        on. Files plexportal creates from here on are private to its user (umask 077), and the
        databases, queue and key file already there are made 0600."""
        # The databases hold encrypted secrets and people's addresses; secret.key decrypts them.
        os.umask(0o077)
        try:
            created = not self.data_dir.exists()
            self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            if created:
                self.data_dir.chmod(0o700)
        except OSError as err:
            raise ConfigError(f"Cannot create the data directory {self.data_dir.resolve()}: {err.strerror}. "
                              "Set PLEXPORTAL_DATA_DIR to a writable folder.") from None
        # A probe file of its own: the web and the worker start at the same moment on one data dir,
        # and with a shared name one could delete the other's probe and report it "not writable".
        try:
            fd, probe = tempfile.mkstemp(prefix=".write-test-", dir=self.data_dir)
            os.close(fd)
            os.unlink(probe)
        except OSError as err:
            raise ConfigError(f"The data directory {self.data_dir.resolve()} is not writable ({err.strerror}). "
                              "Fix its permissions or set PLEXPORTAL_DATA_DIR to a writable folder.") from None
        self.tighten_files()

    PRIVATE_FILES = ("plexportal.db", "plexportal.db-wal", "plexportal.db-shm", "huey.db", "huey.db-wal",
                     "huey.db-shm", "secret.key")

    def tighten_files(self) -> None:
        """Make the databases, queue and key file readable by plexportal's user only (0600); an
        older version or a copy may have left them world-readable."""
        import logging
        import stat

        for name in self.PRIVATE_FILES:
            path = self.data_dir / name
            try:
                mode = stat.S_IMODE(path.stat().st_mode)
                if mode & 0o077:
                    path.chmod(0o600)
            except FileNotFoundError:
                continue
            except OSError as err:
                logging.getLogger(__name__).warning("cannot make %s private (mode 0600): %s", path, err.strerror)

    def resolve_secret_key(self) -> None:
        """Use PLEXPORTAL_SECRET_KEY, or generate one once into the data dir (mode 0600)."""
        if self.secret_key:
            return
        key_file = self.data_dir / "secret.key"
        if key_file.exists():
            try:
                self.secret_key = key_file.read_text().strip()
            except OSError as err:
                raise ConfigError(f"Cannot read {key_file.resolve()} ({err.strerror}). Fix its permissions "
                                  "or set PLEXPORTAL_SECRET_KEY.") from None
            if len(self.secret_key) < 16:
                raise ConfigError(f"{key_file.resolve()} is empty or too short. Restore it from a backup "
                                  "(stored secrets can only be read with it) or delete it to generate a new one "
                                  "and enter the API keys again.")
            return
        self.ensure_data_dir()
        key = secrets.token_urlsafe(48)
        # Written whole to a private temp file, then linked into place: the web and the worker may
        # start together, and neither must ever read a half-written key.
        tmp = self.data_dir / f".secret.key.{os.getpid()}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(key + "\n")
            os.link(tmp, key_file)
        except FileExistsError:           # the other process won: use its key
            return self.resolve_secret_key()
        except OSError as err:
            raise ConfigError(f"Cannot write {key_file.resolve()} ({err.strerror}). Set PLEXPORTAL_SECRET_KEY "
                              "or make the data directory writable.") from None
        finally:
            tmp.unlink(missing_ok=True)
        self.secret_key = key


# The only networks the local-network bypass may name: private, loopback, link-local and CGNAT
# (Tailscale and friends) ranges. "Everyone" (0.0.0.0/0, ::/0) or a public range would turn the
# bypass into no sign-in at all.
LOCAL_NETWORKS = [ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "100.64.0.0/10",
    "fc00::/7", "fe80::/10", "::1/128")]


def is_local_network(net) -> bool:
    return any(net.version == allowed.version and net.subnet_of(allowed) for allowed in LOCAL_NETWORKS)


def local_network_problem(text: str) -> str | None:
    """Why a LOCAL_BYPASS_CIDRS value is refused (a network that is not local), or None."""
    for net in parse_cidrs(text):
        if not is_local_network(net):
            return (f"{net} is not a local network: only private ranges (10.0.0.0/8, 172.16.0.0/12, "
                    "192.168.0.0/16, fc00::/7), loopback, link-local and 100.64.0.0/10 can skip the sign-in.")
    return None


def parse_cidrs(text: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Parse a comma/space/newline separated CIDR list; raises ValueError naming the bad entry."""
    nets: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
    for part in text.replace(",", " ").split():
        try:
            nets.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"“{part}” is not an IP network (e.g. 192.168.1.0/24)") from None
    return nets
