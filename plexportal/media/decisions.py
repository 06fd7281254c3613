"""Admins approve or decline a pending request from the message that tells them about it, or from
the dashboard, without opening Seerr.

- A pending request (Seerr's MEDIA_PENDING) reaches the admins (ADMIN_EMAIL and admin channels)
  with an **Approve** and a **Decline** link. Each link is a signed token naming a `DecisionLink`
  row: it expires after LINK_DAYS, works once, and authorises only that decision for that request
  (signed in or not). Opening it shows a confirmation page; only the POST from that page decides
  (mail scanners open links).
- A decision (`RequestDecision`) is stored first, then sent to Seerr by the worker
  (`apply_decision`). Seerr down or slow: the decision stays *queued* and is retried with backoff
  for RETRY_FOR, shown as waiting on the request's page; a request Seerr no longer has ends as
  *gone*, changing nothing. Every decision and its outcome is in the audit log.
- Using one link of a request ends its other links; a request already decided (through a link or
  the dashboard) cannot be decided again through an old link.
"""
from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from peewee import JOIN

from plexportal import areas
from plexportal.db import db, on_commit
from plexportal.gateways import seerr as seerr_gateway
from plexportal.gateways.base import GatewayError
from plexportal.i18n import FALLBACK, in_language
from plexportal.lib import clock, fmt
from plexportal.media import parsing
from plexportal.media.models import DecisionLink, MediaRequest, RequestDecision

log = logging.getLogger(__name__)

SALT = "plexportal.media.decision"
LINK_DAYS = 7
RETRY_FOR = timedelta(hours=24)
ADMIN_KIND = "media.request_waiting"
ACTIONS = {"approve": "Approve", "decline": "Decline"}
DONE_WORDS = {"approve": "approved", "decline": "declined"}
MAX_AGE = timedelta(hours=24)            # a MEDIA_PENDING older than this (reprocessed) alerts nobody


class Refused(Exception):
    """Why a decision cannot be taken (a sentence for the page), with the decision that stands."""

    def __init__(self, message: str, decision: RequestDecision | None = None, status: int = 409):
        super().__init__(message)
        self.message, self.decision, self.status = message, decision, status


# -- links ------------------------------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    key = current_app.secret_key
    if not key:
        raise RuntimeError("the app has no secret key to sign decision links with")
    return URLSafeTimedSerializer(key, salt=SALT)


def token_for(link: DecisionLink) -> str:
    return _serializer().dumps({"l": link.id, "n": link.nonce})


def make_links(req: MediaRequest) -> dict[str, tuple[DecisionLink, str]]:
    """A new Approve and Decline link for this request: {action: (row, absolute URL)}."""
    from plexportal.notify import links

    now = clock.now()
    out = {}
    for action in ACTIONS:
        link = DecisionLink.create(request=req, action=action, nonce=secrets.token_urlsafe(24), created_at=now,
                                   expires_at=now + timedelta(days=LINK_DAYS))
        out[action] = (link, links.absolute("decisions.confirm", token=token_for(link)))
    return out


def link_from_token(token: str) -> DecisionLink:
    """The link this token names, or Refused saying what is wrong with it (changes nothing)."""
    if not token or len(token) > 300:
        raise Refused("This link is not valid: it may have been cut short or changed. Use the buttons in the "
                      "message as they are, or decide on the request in plexportal.", status=400)
    try:
        data = _serializer().loads(token, max_age=LINK_DAYS * 86400)
    except SignatureExpired:
        raise Refused(f"This link has expired: links work for {LINK_DAYS} days. Decide on the request in "
                      "plexportal or in Seerr.", status=410) from None
    except BadSignature:
        raise Refused("This link is not valid: it may have been cut short or changed. Use the buttons in the "
                      "message as they are, or decide on the request in plexportal.", status=400) from None
    link = (DecisionLink.get_or_none((DecisionLink.id == data.get("l")) & (DecisionLink.nonce == data.get("n")))
            if isinstance(data, dict) and isinstance(data.get("l"), int) and isinstance(data.get("n"), str) else None)
    if link is None:
        raise Refused("This link is not valid any more: the request it was for is no longer here.", status=410)
    return link


def standing(req: MediaRequest) -> RequestDecision | None:
    """The decision that stands for this request (sent to Seerr, or waiting to be)."""
    return (RequestDecision.select().where((RequestDecision.request == req)
                                           & RequestDecision.status.in_(["queued", "done"]))
            .order_by(RequestDecision.id.desc()).first())


def check_link(link: DecisionLink) -> None:
    """Refused when this link can no longer decide (used, expired, request decided or gone)."""
    if link.used_at is not None:
        used_here = RequestDecision.select().where(RequestDecision.link == link).order_by(RequestDecision.id.desc()).first()
        raise Refused(f"This link was already used {fmt.zoned(link.used_at)}; it works once.",
                      used_here or standing(link.request))
    if link.expires_at <= clock.now():
        raise Refused(f"This link has expired: links work for {LINK_DAYS} days. Decide on the request in "
                      "plexportal or in Seerr.", status=410)
    _check_open(link.request)


def _check_open(req: MediaRequest) -> None:
    current = standing(req)
    if current is not None:
        raise Refused(f"This request was already {DONE_WORDS[current.action]} ({current.by_label}).", current)
    if req.status != "pending":
        raise Refused(f"This request is no longer waiting for approval: it is {req.status}.")


# -- deciding ---------------------------------------------------------------------------------------

def _take(req: MediaRequest, action: str, *, by_label: str, via: str, reason: str, actor=None,
          link: DecisionLink | None = None) -> RequestDecision:
    from plexportal.admin import audit

    now = clock.now()
    # Every link of the request ends here: the decision is taken once.
    DecisionLink.update(used_at=now).where((DecisionLink.request == req) & DecisionLink.used_at.is_null()).execute()
    decision = RequestDecision.create(request=req, action=action, reason=reason.strip()[:1000], by_label=by_label[:150],
                                      via=via, link=link, created_at=now, next_try_at=now)
    what = f"{ACTIONS[action]} {req.title or 'a request'} (Seerr request #{req.seerr_request_id})"
    audit.record(f"media.{action}", f"{what}, {by_label}" + (f"; reason: {decision.reason}" if decision.reason else ""),
                 actor=actor)
    on_commit(_enqueue, decision.id)
    return decision


def _enqueue(decision_id: int, eta=None) -> None:
    apply_decision_task = areas.task("plexportal.media.tasks.apply_decision_task")
    try:
        if eta is None:
            apply_decision_task(decision_id)
        else:
            apply_decision_task.schedule(args=(decision_id,), eta=eta)
    except Exception as err:  # noqa: BLE001 - the decision is stored; the minute sweep sends it
        log.warning("could not enqueue decision %s: %s", decision_id, err)


def decide_by_link(token: str, reason: str = "") -> RequestDecision:
    """The confirmation page's POST. Refused (nothing changed) for a bad, used or expired link."""
    link = link_from_token(token)
    with db.atomic():
        link = DecisionLink.get_by_id(link.id)
        check_link(link)
        # The conditional claim makes the link single-use even for two clicks at the same moment.
        claimed = (DecisionLink.update(used_at=clock.now())
                   .where((DecisionLink.id == link.id) & DecisionLink.used_at.is_null()).execute())
        if claimed != 1:
            raise Refused("This link was already used; it works once.", standing(link.request))
        return _take(link.request, link.action, by_label="through the emailed link", via="link",
                     reason=reason if link.action == "decline" else "", link=link)


def decide_by_admin(req: MediaRequest, action: str, admin, reason: str = "") -> RequestDecision:
    """The dashboard's and the request page's buttons (a signed-in admin)."""
    if action not in ACTIONS:
        raise Refused("Choose Approve or Decline.", status=422)
    if not req.seerr_request_id:
        raise Refused("This request is not from Seerr, so it cannot be decided there.", status=422)
    with db.atomic():
        # Lock the request's row while deciding, so two admins pressing at once decide once.
        MediaRequest.update(updated_at=MediaRequest.updated_at).where(MediaRequest.id == req.id).execute()
        req = MediaRequest.get_by_id(req.id)
        _check_open(req)
        return _take(req, action, by_label=f"by {admin.username}", via="page", reason=reason, actor=admin)


# -- sending it to Seerr ----------------------------------------------------------------------------

def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(1800, 30 * 2 ** max(0, attempts - 1)))


def apply_decision(decision_id: int) -> str:
    """Send a queued decision to Seerr (worker). Returns the decision's status afterwards."""
    from plexportal.admin import audit
    from plexportal.settings import service as settings

    now = clock.now()
    claimed = (RequestDecision.update(attempts=RequestDecision.attempts + 1, next_try_at=now + timedelta(minutes=2))
               .where((RequestDecision.id == decision_id) & (RequestDecision.status == "queued")
                      & (RequestDecision.next_try_at <= now)).execute())
    if claimed != 1:
        return "not due"                  # done already, or another worker has it
    d = RequestDecision.get_by_id(decision_id)
    req = d.request
    what = f"{ACTIONS[d.action]} {req.title or 'a request'} (Seerr request #{req.seerr_request_id})"
    if not settings.get("SEERR_URL"):
        return _end(d, "failed", "Seerr is not connected (Settings → Seerr).", f"{what}: not sent")
    try:
        seerr_gateway.client().decide_request(req.seerr_request_id, d.action)
    except seerr_gateway.RequestGone as err:
        return _end(d, "gone", err.message, f"{what}: Seerr no longer has the request; nothing changed")
    except GatewayError as err:
        if err.permanent or clock.now() - d.created_at >= RETRY_FOR:
            return _end(d, "failed", err.message, f"{what}: Seerr refused or kept failing ({err.message})")
        later = clock.now() + backoff(d.attempts)
        RequestDecision.update(next_try_at=later, last_error=err.message[:500]).where(
            (RequestDecision.id == d.id) & (RequestDecision.status == "queued")).execute()
        on_commit(_enqueue, d.id, later)
        log.info("decision %s kept: %s; next try %s", d.id, err.message, later)
        return "queued"
    with db.atomic():
        RequestDecision.update(status="done", done_at=clock.now(), last_error="").where(
            RequestDecision.id == d.id).execute()
        MediaRequest.update(status="approved" if d.action == "approve" else "declined", updated_at=clock.now()).where(
            (MediaRequest.id == req.id) & (MediaRequest.status == "pending")).execute()
        audit.record(f"media.{d.action}_done", f"{what}: Seerr has it")
    return "done"


def _end(d: RequestDecision, status: str, error: str, audit_message: str) -> str:
    from plexportal.admin import audit

    with db.atomic():
        RequestDecision.update(status=status, last_error=error[:500], done_at=clock.now()).where(
            RequestDecision.id == d.id).execute()
        audit.record(f"media.{d.action}_{status}", audit_message)
    return status


def due_ids(limit: int = 100) -> list[int]:
    return [d.id for d in RequestDecision.select(RequestDecision.id)
            .where((RequestDecision.status == "queued") & (RequestDecision.next_try_at <= clock.now()))
            .order_by(RequestDecision.next_try_at).limit(limit)]


def decline_reason(req: MediaRequest) -> str:
    """The reason an admin gave when declining through plexportal (told to the requester)."""
    # "queued" too: Seerr fires its webhook while it answers our call, before we record "done".
    d = (RequestDecision.select().where((RequestDecision.request == req) & (RequestDecision.action == "decline")
                                        & RequestDecision.status.in_(["queued", "done"]))
         .order_by(RequestDecision.id.desc()).first())
    return d.reason if d is not None else ""


def waiting(limit: int = 8) -> list[tuple[MediaRequest, RequestDecision | None]]:
    """Requests waiting for approval, oldest first, each with a decision taken but not yet in Seerr."""
    from plexportal.auth.models import User

    # The requester comes with each row and the standing decisions in one more read, not two
    # statements per request.
    rows = list(MediaRequest.select(MediaRequest, User).join(User, JOIN.LEFT_OUTER, on=(MediaRequest.requested_by == User.id))
                .where((MediaRequest.status == "pending") & MediaRequest.seerr_request_id.is_null(False))
                .order_by(MediaRequest.created_at, MediaRequest.id).limit(limit))
    stands: dict[int, RequestDecision] = {}
    for d in (RequestDecision.select().where(RequestDecision.request.in_([r.id for r in rows] or [0])
                                             & RequestDecision.status.in_(["queued", "done"]))
              .order_by(RequestDecision.id)):
        stands[d.request_id] = d                  # the newest one stands, as in standing()
    return [(r, stands.get(r.id)) for r in rows]


# -- telling the admins -----------------------------------------------------------------------------

def tell_admins(event, parsed: parsing.Parsed) -> str:
    """A new request waits for approval: the admins get it with Approve / Decline links."""
    from flask import render_template

    from plexportal.notify import service as outbox
    from plexportal.notify.render import safe_url
    from plexportal.settings import service as settings

    if parsed.request is None or parsed.request.request_id is None:
        return "no request"
    if clock.now() - (getattr(event, "received_at", None) or clock.now()) > MAX_AGE:
        return "event too old to tell"
    req = MediaRequest.get_or_none(MediaRequest.seerr_request_id == parsed.request.request_id)
    if req is None or req.status != "pending":
        return "not waiting"
    if not outbox.admin_destinations():
        return "no admin destination (the dashboard lists it)"
    who = req.requested_by.name if req.requested_by_id else (parsed.request.username or "Someone")
    name = f"{req.title} ({req.year})" if req.year else (req.title or "a title")
    with db.atomic():
        made = make_links(req)
        urls = {action: url for action, (_, url) in made.items()}
        ctx = dict(who=who, name=name, title=req.title, year=req.year, poster_url=safe_url(req.poster_url),
                   overview=(req.overview or "")[:400], kind="series" if req.media_type == "tv" else "film",
                   seasons=", ".join(str(s) for s in req.seasons or []), approve_url=urls["approve"],
                   decline_url=urls["decline"], days=LINK_DAYS, server_name=settings.get("SERVER_NAME"),
                   request_url=_request_page(req))
        with in_language(FALLBACK):           # admin alerts stay English, whatever the server's default
            text, html = render_template("email/approval.txt", **ctx), render_template("email/approval.html", **ctx)
        rows = outbox.queue_admin_alert(f"Waiting for your approval: {name}, asked for by {who}"[:300],
                                        text, html, kind=ADMIN_KIND,
                                        dedup_key=f"{ADMIN_KIND}:{req.seerr_request_id}",
                                        payload={"url": ctx["request_url"]})    # a push opens the request
        if not rows:
            # Told already (a replay): the links just made must not exist without a message.
            DecisionLink.delete().where(DecisionLink.id.in_([link.id for link, _ in made.values()])).execute()
            return "admins told already"
    return f"admins told ({len(rows)} destination(s))"


def _request_page(req: MediaRequest) -> str:
    from plexportal.notify import links

    return links.absolute("media.request_detail", request_id=req.id)


def on_pending(event, parsed) -> None:
    if getattr(parsed, "kind", None) != parsing.REQUEST:
        return
    log.info("seerr MEDIA_PENDING (event %s) for the admins: %s", event.id, tell_admins(event, parsed))
