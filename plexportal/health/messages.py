"""The user-facing messages the monitors send, registered so users can choose them, and rendered
at send time from the payload (they go through notify_user, so channels and batching apply)."""
from __future__ import annotations

from plexportal.notify import events
from plexportal.notify.send import RENDERERS, Rendered

COMING_SOON = "media.coming_soon"
WAITING_QUALITY = "media.waiting_quality"
ISSUE_FIXED = "media.issue_fixed"

events.register_event(COMING_SOON, "A film you asked for is not out yet (with its release date)")
events.register_event(WAITING_QUALITY, "A title you asked for is out, but not yet in the requested quality")
events.register_event(ISSUE_FIXED, "A problem you reported was fixed")


def render_payload(n) -> Rendered:
    payload = n.payload or {}
    return Rendered(str(payload.get("subject") or n.subject or ""), str(payload.get("text") or n.text_body or ""))


for _kind in (COMING_SOON, WAITING_QUALITY, ISSUE_FIXED):
    RENDERERS.setdefault(_kind, render_payload)
