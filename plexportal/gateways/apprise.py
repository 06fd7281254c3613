"""Apprise: one call delivers a title and a body to a chat/push service URL (Discord, Telegram,
ntfy…). The only importer of apprise. Apprise reports failures through its log, not exceptions,
so the log is captured and turned into a GatewayError whose text never contains the URL. Apprise is
imported by the functions that use it (about 6 MB that only a check or a delivery needs)."""
from __future__ import annotations

import contextlib
import re

from plexportal.gateways.base import GatewayError
from plexportal.lib import netguard

_LOG_LINE = re.compile(r"^\S+ \S+ - (?:WARNING|ERROR) - (.*)$")
_ERROR_CODE = re.compile(r"error=(\d{3})")


def is_valid(url: str) -> bool:
    """Apprise recognises the URL (scheme known, required parts present). No network."""
    import apprise

    try:
        return bool(apprise.Apprise().add(url))
    except Exception:  # noqa: BLE001 - a malformed URL is simply invalid
        return False


def _reason(log_text: str, url: str) -> str:
    lines = [m.group(1).strip() for m in (_LOG_LINE.match(line) for line in log_text.splitlines()) if m]
    text = lines[-1] if lines else "the service did not accept the message"
    for secret in {url, url.split("://", 1)[-1]}:
        if secret:
            text = text.replace(secret, "…")
    return text[:300]


def self_hosted_address(url: str) -> tuple[str, int | None] | None:
    """(host, port) of a destination on a server someone runs themselves (ntfy's private mode,
    Gotify, JSON webhooks); None for services at fixed public hosts (Discord, Telegram…). No network."""
    import apprise

    try:
        plugin = apprise.Apprise.instantiate(url)
    except Exception:  # noqa: BLE001 - an unusable URL has no address
        return None
    if plugin is None:
        return None
    name = type(plugin).__name__
    if name == "NotifyNtfy" and getattr(plugin, "mode", "") == "cloud":
        return None
    if name in ("NotifyNtfy", "NotifyGotify", "NotifyJSON") and getattr(plugin, "host", None):
        return plugin.host, getattr(plugin, "port", None)
    return None


def send(url: str, title: str, body: str, *, public_only: bool = False, allowed: list[str] | None = None) -> None:
    """Deliver one message; raises GatewayError (permanent for a URL Apprise cannot use, or a
    4xx answer other than 429). Redirects are never followed (the URL carries tokens). With
    `public_only` (a person's own destination) connections go to public addresses only, or to the
    hosts in `allowed` (lib/netguard)."""
    import apprise

    notifier = apprise.Apprise()
    if not notifier.add(url):
        raise GatewayError("The destination URL is not valid for Apprise.", permanent=True)
    for server in notifier:
        server.redirects = False            # a ?redirect=yes in the URL does not bring them back
    guard = netguard.public_only(allowed) if public_only else contextlib.nullcontext()
    with apprise.LogCapture(level=apprise.logging.WARNING) as captured, guard as policy:  # type: ignore[no-untyped-call]
        try:
            result = notifier.notify(title=title[:250], body=body or title, body_format=apprise.NotifyFormat.TEXT)
        except Exception as err:  # noqa: BLE001 - a plugin bug is a failed attempt, not a crash
            raise GatewayError(f"Apprise failed ({type(err).__name__}).") from None
        log_text = captured.getvalue()
    if policy is not None and policy.blocked:
        raise GatewayError("Not delivered: the destination is not a public address, and the admin has not allowed "
                           "it (Settings → Notifications → Private destinations allowed).", permanent=True)
    if result:
        return
    reason = _reason(log_text, url)
    code = _ERROR_CODE.search(reason)
    status = int(code.group(1)) if code else None
    permanent = status is not None and 400 <= status < 500 and status not in (408, 429)
    raise GatewayError(f"Not delivered: {reason}", permanent=permanent, status=status)
