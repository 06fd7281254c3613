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

from flask_babel import lazy_gettext as _l

from plexportal.i18n import N_, english, msg
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

# Seerr notification_type → (kind, headline, subject with the title's %(name)s)
STEPS = {
    "MEDIA_PENDING": (PENDING, N_("Waiting for approval"), N_("Waiting for approval: %(name)s")),
    "MEDIA_APPROVED": (APPROVED, N_("Request approved"), N_("Approved: %(name)s")),
    "MEDIA_AUTO_APPROVED": (AUTO_APPROVED, N_("Request approved"), N_("Approved: %(name)s")),
    "MEDIA_DECLINED": (DECLINED, N_("Request declined"), N_("Declined: %(name)s")),
    "MEDIA_FAILED": (FAILED, N_("Request not sent for download"), N_("Problem with your request: %(name)s")),
}
MAX_AGE = timedelta(hours=24)

# The kinds people switch on or off (declared in area.py, rendered by notify.render.render_update):
# key → (label, default), the labels in the reader's language (lazy_gettext).
CHOICES = {
    PENDING: (_l("Your request is waiting for an admin's approval"), False),
    APPROVED: (_l("An admin approved your request"), False),
    AUTO_APPROVED: (_l("Your request was approved automatically"), False),
    DECLINED: (_l("Your request was declined (with the reason, when there is one)"), True),
    FAILED: (_l("Your request could not be sent for download"), True),
}
WHY = N_("You get this because you asked for this title.")


def _named(parsed: parsing.Parsed) -> str | list:
    return f"{parsed.title} ({parsed.year})" if parsed.year else (parsed.title or msg(N_("your request")))


def sentence_msg(event_type: str, parsed: parsing.Parsed, server: str, reason: str = "") -> list:
    """The step in words, as a message id and its values (written in the reader's language when sent)."""
    name = _named(parsed)
    if event_type == "MEDIA_PENDING":
        return msg(N_("Your request for %(name)s has reached %(server)s. An admin needs to approve it before "
                      "it is downloaded."), name=name, server=server)
    if event_type == "MEDIA_APPROVED":
        return msg(N_("Your request for %(name)s was approved. It is being looked for now; it is not ready to "
                      "watch yet."), name=name)
    if event_type == "MEDIA_AUTO_APPROVED":
        return msg(N_("Your request for %(name)s was approved straight away. It is being looked for now."),
                   name=name)
    if event_type == "MEDIA_DECLINED":
        return (msg(N_("Your request for %(name)s was declined. The admin gave this reason:"), name=name) if reason
                else msg(N_("Your request for %(name)s was declined."), name=name))
    return msg(N_("Your request for %(name)s was approved, but it could not be handed to the download service. "
                  "Nothing is needed from you: the admin can retry it."), name=name)


def sentence(event_type: str, parsed: parsing.Parsed, server: str, reason: str = "") -> str:
    """The step in English (what the outbox shows the admin; the reader gets sentence_msg's words)."""
    return english(sentence_msg(event_type, parsed, server, reason))


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
    kind, headline, subject = step
    reason = ""
    if parsed.event_type == "MEDIA_DECLINED":
        reason = parsed.request.reason or decisions.decline_reason(req)
    said = sentence_msg(parsed.event_type, parsed, settings.get("SERVER_NAME"), reason)
    subject_said = msg(subject, name=_named(parsed))
    item = {"text": english(said), "say": said, "quote": reason, "event": event.id}
    payload = {"subject": english(subject_said), "subject_say": subject_said, "headline": headline,
               "headline_say": msg(headline), "title": req.title or parsed.title,
               "year": req.year, "poster_url": req.poster_url, "request_id": req.id,
               "why": WHY, "why_say": msg(WHY)}
    rows = outbox.notify_user(user, kind, f"{kind}:{req.id}", item, payload,
                              once=f"seerr:{parsed.event_type}:{parsed.request.request_id}")
    return f"{kind} queued for {user.name}" if rows else "nothing to send"


def on_request_step(event, parsed) -> None:
    if getattr(parsed, "kind", None) != parsing.REQUEST:
        return                            # not understood as a request (logged by the media area)
    outcome = tell(event, parsed)
    log.info("seerr %s (event %s) for the requester: %s", parsed.event_type, event.id, outcome)
