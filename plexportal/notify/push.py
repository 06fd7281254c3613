"""Web Push as a channel: the server's VAPID key, browsers' subscriptions, who gets what, and the
transport the sender calls (send.TRANSPORTS["push"]). A message row's destination is the
subscription's id; the endpoint and keys are read only here, just before sending.

A person subscribes from their own page (the signed link, or /notify/me) and chooses per message
kind what comes as a push; the choice holds for every device they subscribed. An admin subscribes
from their session and gets the admin alerts. A subscription the push service reports gone
(404/410) is removed; the message's attempt records why."""
from __future__ import annotations

import base64
import binascii
import json
import logging
import re

from peewee import IntegrityError

from plexportal.db import db
from plexportal.gateways import webpush
from plexportal.gateways.base import GatewayError
from plexportal.lib import clock
from plexportal.notify import events
from plexportal.notify.models import Notification, PushSubscription
from plexportal.notify.send import Rendered
from plexportal.settings import service as settings

log = logging.getLogger(__name__)

KEY_SETTING = "VAPID_PRIVATE_KEY"
MAX_PER_USER = 10
TITLE_MAX, BODY_MAX = 120, 240


class PushError(ValueError):
    """A subscription that cannot be accepted; the message says why in one sentence."""


# -- the server's key -----------------------------------------------------------------------------

def private_key() -> str:
    """The VAPID signing key: generated the first time it is needed and kept encrypted with the
    other secrets (race-safe: the first one stored wins, so every process signs with the same)."""
    value = settings.get_or_create(KEY_SETTING, webpush.generate_private_key)
    if not value:
        raise GatewayError("The Web Push key cannot be read with the current secret key.", permanent=True)
    return value


def public_key() -> str:
    return webpush.public_key(private_key())


def allowed_endpoints() -> list[str]:
    """Hosts a push endpoint may name although they are not public (tests, a development setup)."""
    return settings.get("PUSH_PRIVATE_ENDPOINTS").replace(",", " ").split()


def subject() -> str:
    """The VAPID `sub` claim: how a push service can reach whoever runs this server."""
    email = settings.get("ADMIN_EMAIL") or settings.get("SMTP_FROM")
    if email:
        return f"mailto:{email}"
    base = settings.get("BASE_URL")
    return base if base.startswith("https://") else "mailto:admin@plexportal.invalid"


# -- subscriptions --------------------------------------------------------------------------------

def _b64(value, size: int | None, name: str) -> str:
    text = str(value or "").strip()
    if not text or len(text) > 200:
        raise PushError(f"The subscription's {name} key is missing.")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise PushError(f"The subscription's {name} key is not valid.") from None
    if (size is not None and len(raw) != size) or (name == "p256dh" and raw[:1] != b"\x04"):
        raise PushError(f"The subscription's {name} key is not valid.")
    return text


def parse_subscription(data) -> webpush.PushTarget:
    """What PushSubscription.toJSON() gave the page: {"endpoint", "keys": {"p256dh", "auth"}}."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict):
        raise PushError("That is not a push subscription.")
    endpoint = str(data.get("endpoint") or "").strip()
    problem = webpush.endpoint_problem(endpoint, allowed_endpoints())
    if problem:
        raise PushError(problem)
    keys = data["keys"]
    return webpush.PushTarget(endpoint, _b64(keys.get("p256dh"), 65, "p256dh"), _b64(keys.get("auth"), 16, "auth"))


def subscribe(user, data, *, admin_alerts: bool = False, device: str = "") -> PushSubscription:
    """Store (or take over) this browser's subscription for `user`. A browser has one endpoint, so
    subscribing again from it moves it to whoever subscribed last."""
    target = parse_subscription(data)
    mine = subscriptions_for(user, admin_alerts=admin_alerts)
    if len(mine) >= MAX_PER_USER and not any(s.endpoint == target.endpoint for s in mine):
        raise PushError(f"At most {MAX_PER_USER} devices per person: turn push off on one you no longer use.")
    choices = next((s.events for s in mine if s.events), None)
    fields = dict(user=user.id, admin_alerts=admin_alerts, p256dh=target.p256dh, auth=target.auth,
                  device=device[:100], events=choices, failures=0, last_error="")
    with db.atomic():
        try:
            with db.atomic():
                return PushSubscription.create(endpoint=target.endpoint, created_at=clock.now(), **fields)
        except IntegrityError:
            PushSubscription.update(**fields).where(PushSubscription.endpoint == target.endpoint).execute()
    return PushSubscription.get(PushSubscription.endpoint == target.endpoint)


def unsubscribe(user, endpoint: str) -> bool:
    return (PushSubscription.delete()
            .where((PushSubscription.user == user) & (PushSubscription.endpoint == str(endpoint or "")))
            .execute()) > 0


def subscriptions_for(user, *, admin_alerts: bool = False) -> list[PushSubscription]:
    return list(PushSubscription.select()
                .where((PushSubscription.user == user) & (PushSubscription.admin_alerts == admin_alerts))
                .order_by(PushSubscription.id))


def push_events(user) -> dict | None:
    """The person's push choices ({kind: bool}; None: the defaults)."""
    row = (PushSubscription.select(PushSubscription.events)
           .where((PushSubscription.user == user) & (PushSubscription.admin_alerts == False)
                  & PushSubscription.events.is_null(False)).first())
    return row.events if row else None


def set_push_events(user, choices: dict[str, bool]) -> int:
    """Apply the person's choices to every device they subscribed."""
    return (PushSubscription.update(events=choices)
            .where((PushSubscription.user == user) & (PushSubscription.admin_alerts == False))
            .execute())


def destinations(rows, kind: str) -> list[tuple[str, str]]:
    return [("push", str(s.id)) for s in rows if events.wanted(s.events, kind)]


def user_subscriptions(ids: list[int]) -> list[PushSubscription]:
    if not ids:
        return []
    return list(PushSubscription.select()
                .where(PushSubscription.user.in_(ids) & (PushSubscription.admin_alerts == False))
                .order_by(PushSubscription.id))


def admin_destinations() -> list[tuple[str, str]]:
    from plexportal.auth.models import User

    rows = (PushSubscription.select(PushSubscription.id).join(User)
            .where((PushSubscription.admin_alerts == True) & (User.role == "admin")
                   & (User.is_active == True))
            .order_by(PushSubscription.id))
    return [("push", str(s.id)) for s in rows]


# -- sending --------------------------------------------------------------------------------------

def payload_for(n: Notification, content: Rendered) -> bytes:
    """Small: a title, a line of text and the address to open on a tap."""
    body = _readable(" ".join((content.text or "").split()))
    title = " ".join((content.subject or "").split())
    if body.startswith(title):
        body = body[len(title):].lstrip(" :.-–")
    url = _url_for(n)
    return json.dumps({"title": title[:TITLE_MAX] or settings.get("SERVER_NAME"),
                       "body": body[:BODY_MAX - 1] + "…" if len(body) > BODY_MAX else body,
                       "url": url}, ensure_ascii=False).encode()


_LINK = re.compile(r"https?://\S+")
_LABEL = re.compile(r"[\w ]{0,40}:\s*$")


def _readable(text: str) -> str:
    """The text up to its first link: a notification shows words, and a tap opens the address
    (links in a message, such as single-use Approve links, never show on a lock screen)."""
    found = _LINK.search(text)
    if found is None:
        return text
    return _LABEL.sub("", text[:found.start()]).strip()


def _url_for(n: Notification) -> str:
    from plexportal.notify.render import safe_url

    payload = n.payload or {}
    url = safe_url(payload.get("watch_url")) or safe_url(payload.get("url"))
    if url:
        return url
    base = settings.get("BASE_URL").rstrip("/")
    if n.audience == "admin":
        return f"{base}/" if base else "/"
    return ""                   # the device opens the person's own page, which it knows


def deliver_push(n: Notification, content: Rendered) -> None:
    sub = (PushSubscription.get_or_none(PushSubscription.id == int(n.destination))
           if n.destination.isdecimal() and len(n.destination) < 10 else None)
    if sub is None:
        raise GatewayError("The device turned push off (the subscription was removed).", permanent=True)
    target = webpush.PushTarget(sub.endpoint, sub.p256dh, sub.auth)
    try:
        webpush.send(target, payload_for(n, content), private_pem=private_key(), subject=subject(),
                     allowed=allowed_endpoints())
    except webpush.SubscriptionGone as err:
        PushSubscription.delete().where(PushSubscription.id == sub.id).execute()
        log.warning("push subscription %s of user %s removed: the push service answered %s",
                    sub.id, sub.user_id, err.status)
        raise
    except GatewayError as err:
        (PushSubscription.update(failures=PushSubscription.failures + 1, last_error=err.message[:500])
         .where(PushSubscription.id == sub.id).execute())
        raise
    (PushSubscription.update(last_success_at=clock.now(), failures=0, last_error="")
     .where(PushSubscription.id == sub.id).execute())
