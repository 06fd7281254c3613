"""The user-facing messages the monitors send: kinds users can choose (declared in area.py), rendered
at send time from the payload (they go through notify_user, so channels and batching apply)."""
from __future__ import annotations

from plexportal.notify.send import Rendered

COMING_SOON = "media.coming_soon"
WAITING_QUALITY = "media.waiting_quality"
ISSUE_FIXED = "media.issue_fixed"

KINDS = {
    COMING_SOON: "A film you asked for is not out yet (with its release date)",
    WAITING_QUALITY: "A title you asked for is out, but not yet in the requested quality",
    ISSUE_FIXED: "A problem you reported was fixed",
}


def render_payload(n) -> Rendered:
    payload = n.payload or {}
    return Rendered(str(payload.get("subject") or n.subject or ""), str(payload.get("text") or n.text_body or ""))
