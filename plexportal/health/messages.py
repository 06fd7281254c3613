"""The user-facing messages the monitors send: kinds users can choose (declared in area.py), rendered
at send time from the payload (they go through notify_user, so channels and batching apply)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from plexportal.i18n import say
from plexportal.notify.send import Rendered

COMING_SOON = "media.coming_soon"
WAITING_QUALITY = "media.waiting_quality"
ISSUE_FIXED = "media.issue_fixed"

KINDS = {
    COMING_SOON: _l("A film you asked for is not out yet (with its release date)"),
    WAITING_QUALITY: _l("A title you asked for is out, but not yet in the requested quality"),
    ISSUE_FIXED: _l("A problem you reported was fixed"),
}


def render_payload(n) -> Rendered:
    """Subject and text in the reader's language (`subject_say`/`text_say`, see plexportal.i18n.msg);
    messages queued before that carry English only."""
    payload = n.payload or {}
    return Rendered(say(payload.get("subject_say"), str(payload.get("subject") or n.subject or "")),
                    say(payload.get("text_say"), str(payload.get("text") or n.text_body or "")))
