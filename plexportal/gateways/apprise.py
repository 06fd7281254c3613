"""Apprise: one call delivers a title and a body to a chat/push service URL (Discord, Telegram,
ntfy…). The only importer of apprise. Apprise reports failures through its log, not exceptions,
so the log is captured and turned into a GatewayError whose text never contains the URL."""
from __future__ import annotations

import re

import apprise

from plexportal.gateways.base import GatewayError

_LOG_LINE = re.compile(r"^\S+ \S+ - (?:WARNING|ERROR) - (.*)$")
_ERROR_CODE = re.compile(r"error=(\d{3})")


def is_valid(url: str) -> bool:
    """Apprise recognises the URL (scheme known, required parts present). No network."""
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


def send(url: str, title: str, body: str) -> None:
    """Deliver one message; raises GatewayError (permanent for a URL Apprise cannot use, or a
    4xx answer other than 429)."""
    notifier = apprise.Apprise()
    if not notifier.add(url):
        raise GatewayError("The destination URL is not valid for Apprise.", permanent=True)
    with apprise.LogCapture(level=apprise.logging.WARNING) as captured:
        try:
            result = notifier.notify(title=title[:250], body=body or title, body_format=apprise.NotifyFormat.TEXT)
        except Exception as err:  # noqa: BLE001 - a plugin bug is a failed attempt, not a crash
            raise GatewayError(f"Apprise failed ({type(err).__name__}).") from None
        log_text = captured.getvalue()
    if result:
        return
    reason = _reason(log_text, url)
    code = _ERROR_CODE.search(reason)
    status = int(code.group(1)) if code else None
    permanent = status is not None and 400 <= status < 500 and status not in (408, 429)
    raise GatewayError(f"Not delivered: {reason}", permanent=permanent, status=status)
