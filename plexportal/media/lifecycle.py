"""A request's life told to the person who asked: waiting for approval, approved (by an admin or
automatically), declined (with the reason when there is one), failed. Each step is a message kind
the person switches on or off on their page; it goes through the outbox like "ready to watch"
(batched, every channel, paused by maintenance windows).

Told once per step: the `once` key is the Seerr event and request, so the same webhook delivered
again, processed again or reprocessed by the admin sends nothing new. Steps that arrive late are
not told out of order: "waiting for approval" after the request moved on, or "approved" once the
title is already available, say nothing. An event older than MAX_AGE (a reprocessed old event)
is never told late.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from plexportal.lib import clock
from plexportal.media import decisions, parsing
from plexportal.media.models import MediaRequest
from plexportal.notify import service as outbox
from plexportal.notify.models import Notification
from plexportal.settings import service as settings

log = logging.getLogger(__name__)

PENDING = "media.request_pending"
APPROVED = "media.request_approved"
AUTO_APPROVED = "media.request_auto_approved"
DECLINED = "media.request_declined"
FAILED = "media.request_failed"

# Seerr notification_type → (kind, headline, subject prefix)
STEPS = {
    "MEDIA_PENDING": (PENDING, "Waiting for approval", "Waiting for approval"),
    "MEDIA_APPROVED": (APPROVED, "Request approved", "Approved"),
    "MEDIA_AUTO_APPROVED": (AUTO_APPROVED, "Request approved", "Approved"),
    "MEDIA_DECLINED": (DECLINED, "Request declined", "Declined"),
    "MEDIA_FAILED": (FAILED, "Request not sent for download", "Problem with your request"),
}
MAX_AGE = timedelta(hours=24)

# The kinds people switch on or off (declared in area.py, rendered by notify.render.render_update):
# key → (label, default).
CHOICES = {
    PENDING: ("Your request is waiting for an admin's approval", False),
    APPROVED: ("An admin approved your request", False),
    AUTO_APPROVED: ("Your request was approved automatically", False),
    DECLINED: ("Your request was declined (with the reason, when there is one)", True),
    FAILED: ("Your request could not be sent for download", True),
}


def _named(parsed: parsing.Parsed) -> str:
    return f"{parsed.title} ({parsed.year})" if parsed.year else (parsed.title or "your request")


def sentence(event_type: str, parsed: parsing.Parsed, server: str, reason: str = "") -> str:
    name = _named(parsed)
    if event_type == "MEDIA_PENDING":
        return (f"Your request for {name} has reached {server}. An admin needs to approve it before it is "
                "downloaded.")
    if event_type == "MEDIA_APPROVED":
        return f"Your request for {name} was approved. It is being looked for now; it is not ready to watch yet."
    if event_type == "MEDIA_AUTO_APPROVED":
        return f"Your request for {name} was approved straight away. It is being looked for now."
    if event_type == "MEDIA_DECLINED":
        return (f"Your request for {name} was declined. The admin gave this reason:" if reason
                else f"Your request for {name} was declined.")
    return (f"Your request for {name} was approved, but it could not be handed to the download service. "
            "Nothing is needed from you: the admin can retry it.")


def _skip(event_type: str, req: MediaRequest) -> str:
    """Why this step is not worth telling now (empty: tell it)."""
    if event_type == "MEDIA_PENDING" and req.status != "pending":
        return f"request already {req.status}"
    if event_type in ("MEDIA_APPROVED", "MEDIA_AUTO_APPROVED") and req.status == "available":
        return "already available"
    return ""


def cancel_pending_message(req: MediaRequest) -> int:
    """The request was decided: a "waiting for approval" message not sent yet is moot."""
    return (Notification.update(status="cancelled", batch_key=None)
            .where((Notification.group_key == f"{PENDING}:{req.id}")
                   & Notification.status.in_(["collecting", "pending"])).execute())


def tell(event, parsed: parsing.Parsed) -> str:
    """Tell the requester about this step of their request. Returns what was done, in words."""
    step = STEPS.get(parsed.event_type)
    if step is None or parsed.request is None or parsed.request.request_id is None:
        return "not a request step"
    received = getattr(event, "received_at", None) or clock.now()
    if clock.now() - received > MAX_AGE:
        return "event too old to tell"
    req = MediaRequest.get_or_none(MediaRequest.seerr_request_id == parsed.request.request_id)
    if req is None:
        return "request unknown"
    if parsed.event_type != "MEDIA_PENDING":
        cancel_pending_message(req)
    why_not = _skip(parsed.event_type, req)
    if why_not:
        return why_not
    user = req.requested_by
    if user is None:
        return "no requester"
    kind, headline, prefix = step
    reason = ""
    if parsed.event_type == "MEDIA_DECLINED":
        reason = parsed.request.reason or decisions.decline_reason(req)
    item = {"text": sentence(parsed.event_type, parsed, settings.get("SERVER_NAME"), reason), "quote": reason,
            "event": event.id}
    payload = {"subject": f"{prefix}: {_named(parsed)}", "headline": headline, "title": req.title or parsed.title,
               "year": req.year, "poster_url": req.poster_url, "request_id": req.id,
               "why": "You get this because you asked for this title."}
    rows = outbox.notify_user(user, kind, f"{kind}:{req.id}", item, payload,
                              once=f"seerr:{parsed.event_type}:{parsed.request.request_id}")
    return f"{kind} queued for {user.name}" if rows else "nothing to send"


def on_request_step(event, parsed) -> None:
    if getattr(parsed, "kind", None) != parsing.REQUEST:
        return                            # not understood as a request (logged by the media area)
    outcome = tell(event, parsed)
    log.info("seerr %s (event %s) for the requester: %s", parsed.event_type, event.id, outcome)
