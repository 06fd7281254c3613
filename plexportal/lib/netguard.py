"""Keeping people's own destinations off the local network (SSRF).

A person may add an ntfy or Gotify server of their own. Without a check, anyone holding their link
could point one at an address inside the server's network and learn from "delivered" versus
"connection error" which ports answer. So messages to a person's destinations may only connect to
public addresses, unless the host is in the admin's allowlist (NOTIFY_PRIVATE_HOSTS).

The check is made where the connection is made: inside `public_only()`, every connection urllib3
opens (requests, and so Apprise) resolves the name itself, refuses if any address is loopback,
private, link-local, multicast or otherwise not global, and connects to the address it checked, so
a name that resolves differently a moment later (DNS rebinding) cannot slip through. TLS still
verifies the certificate against the host name.
"""
from __future__ import annotations

import contextvars
import ipaddress
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import urllib3.util.connection as _connection


class Blocked(OSError):
    """A connection to a non-public address was refused."""


@dataclass
class Policy:
    allowed: list[str] = field(default_factory=list)     # host names, IPs and CIDRs the admin allows
    blocked: list[str] = field(default_factory=list)     # what was refused (for the caller's message)

    def allows(self, host: str, ip: str) -> bool:
        address = ipaddress.ip_address(ip.split("%", 1)[0])
        return listed(host, self.allowed, address) or is_public(address)


def listed(host: str, allowed: list[str],
           address: ipaddress.IPv4Address | ipaddress.IPv6Address | None = None) -> bool:
    """Whether an allowlist entry names `host` (a host name, an IP, or a CIDR holding the address
    it connects to; without `address`, the host itself when it is an IP literal)."""
    host = (host or "").lower().rstrip(".")
    if address is None:
        try:
            address = ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
        except ValueError:
            address = None
    for entry in allowed:
        entry = entry.strip().lower().rstrip(".")
        if not entry:
            continue
        if entry == host:
            return True
        if address is None:
            continue
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


_policy: contextvars.ContextVar[Policy | None] = contextvars.ContextVar("netguard_policy", default=None)
_original_create_connection = _connection.create_connection


def is_public(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    address = ipaddress.ip_address(address) if isinstance(address, str) else address
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def resolve(host: str, port: int | None) -> list[str]:
    """Every address `host` resolves to (an IP literal is itself)."""
    infos = socket.getaddrinfo(host, port or 0, 0, socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check(host: str, port: int | None, policy: Policy) -> list[str]:
    """The addresses to connect to; raises Blocked when one of them is not allowed."""
    addresses = resolve(host, port)
    for ip in addresses:
        if not policy.allows(host, ip):
            policy.blocked.append(host)
            raise Blocked(f"{host} is not a public address")
    return addresses


def _guarded_create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
    policy = _policy.get()
    if policy is None:
        return _original_create_connection(address, *args, **kwargs)
    host, port = address
    error: OSError | None = None
    for ip in check(host, port, policy):
        try:
            return _original_create_connection((ip, port), *args, **kwargs)
        except OSError as err:
            error = err
    raise error or OSError(f"could not connect to {host}")


_connection.create_connection = _guarded_create_connection


@contextmanager
def public_only(allowed: list[str] | None = None) -> Iterator[Policy]:
    """Within the block, connections made through urllib3 in this thread go to public addresses
    (or allowed hosts) only. Yields the Policy: `policy.blocked` lists refused hosts."""
    policy = Policy(list(allowed or []))
    token = _policy.set(policy)
    try:
        yield policy
    finally:
        _policy.reset(token)
