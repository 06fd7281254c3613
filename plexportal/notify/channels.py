"""Apprise destinations: which URLs a user may add, storing them encrypted, and who gets what.

Users may add the services in USER_SCHEMES (their own chat/push accounts). Generic json/jsons
webhooks can point anywhere, including addresses inside the network, so only an admin may add
them. The URL is a secret (it holds bot tokens): encrypted with the settings SecretBox and shown
masked."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask_babel import gettext

from plexportal.db import db
from plexportal.notify import events, push
from plexportal.notify.models import Channel, NotifyPrefs
from plexportal.settings import service as settings

# scheme -> what people call it
USER_SCHEMES = {
    "discord": "Discord", "tgram": "Telegram", "slack": "Slack", "ntfy": "ntfy", "ntfys": "ntfy",
    "gotify": "Gotify", "gotifys": "Gotify", "pover": "Pushover", "pbul": "Pushbullet",
}
ADMIN_SCHEMES = {"json": "JSON webhook", "jsons": "JSON webhook"}
# Native webhook URLs Apprise understands, pasted straight from Discord or Slack.
NATIVE = [
    (re.compile(r"^https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d+/[\w-]+/?$"), "Discord"),
    (re.compile(r"^https://hooks\.slack\.com/services/[\w/]+$"), "Slack"),
]
MAX_CHANNELS_PER_USER = 10
# Public services at fixed names, not looked up when added (messages to them are still checked).
KNOWN_PUBLIC = {"ntfy.sh"}


class ChannelError(ValueError):
    pass


def classify(url: str, *, admin: bool) -> str:
    """The service name for an allowed URL; raises ChannelError with a readable reason."""
    url = (url or "").strip()
    if not url:
        raise ChannelError(gettext("Paste the Apprise URL of the destination."))
    if len(url) > 1000 or any(c.isspace() for c in url):
        raise ChannelError(gettext("That does not look like a URL (no spaces, at most 1000 characters)."))
    for pattern, name in NATIVE:
        if pattern.match(url):
            return name
    scheme = urlsplit(url).scheme.lower() if "://" in url else ""
    if scheme in USER_SCHEMES:
        if not urlsplit(url).netloc and not urlsplit(url).path.strip("/"):
            raise ChannelError(gettext("The %(service)s URL is missing its details (see the help below).",
                                       service=USER_SCHEMES[scheme]))
        return USER_SCHEMES[scheme]
    if scheme in ADMIN_SCHEMES:
        if not admin:
            raise ChannelError(gettext("Generic JSON webhooks can only be added by the server's admin."))
        return ADMIN_SCHEMES[scheme]
    allowed = ", ".join(sorted({f"{s}://" for s in USER_SCHEMES}))
    raise ChannelError(gettext("Not a supported destination. Use one of %(schemes)s, or a Discord/Slack webhook URL.",
                               schemes=allowed))


def mask_url(url: str) -> str:
    """Enough to recognise the destination, never a token: scheme and the last 4 characters."""
    if "://" not in url:
        return "••••"
    scheme, rest = url.split("://", 1)
    host = ""
    if scheme in ("https", "http"):
        host = urlsplit(url).hostname or ""
    tail = rest.rstrip("/")[-4:] if len(rest) > 12 else ""
    return f"{scheme}://{host + '/' if host else ''}••••{tail}"


def _box():
    return settings._box


def url_of(channel: Channel) -> str | None:
    return _box().decrypt(channel.url_encrypted)


def allowed_private_hosts() -> list[str]:
    return settings.get("NOTIFY_PRIVATE_HOSTS").replace(",", " ").split()


def is_guarded(user) -> bool:
    """A person's destinations may reach public addresses only (an admin's own may reach any)."""
    return getattr(user, "role", "user") != "admin"


def address_problem(url: str) -> str | None:
    """Why a person's destination may not be used: a self-hosted server whose address is not
    public and not allowed by the admin, or a host name that does not resolve. Resolves names."""
    import socket

    from plexportal.gateways import apprise as apprise_gateway
    from plexportal.lib import netguard

    address = apprise_gateway.self_hosted_address(url)
    if address is None or address[0].lower().rstrip(".") in KNOWN_PUBLIC:
        return None
    host, port = address[0].strip("[]"), address[1]          # an IPv6 literal comes bracketed
    try:
        netguard.check(host, port, netguard.Policy(allowed_private_hosts()))
    except netguard.Blocked:
        return gettext("%(host)s is inside a private network (or not a public address), so it cannot be used as "
                       "your destination. If it is the server owner's own ntfy or Gotify, ask them to allow it "
                       "under Settings → Notifications → Private destinations allowed.", host=host)
    except (socket.gaierror, UnicodeError):
        return gettext("The host name %(host)s could not be found. Check the address.", host=host)
    return None


def add_channel(user, url: str, label: str = "", *, admin: bool, admin_alerts: bool = False) -> Channel:
    service = classify(url, admin=admin)
    url = url.strip()
    if is_guarded(user):
        problem = address_problem(url)
        if problem:
            raise ChannelError(problem)
    if Channel.select().where(Channel.user == user).count() >= MAX_CHANNELS_PER_USER:
        raise ChannelError(gettext("At most %(num)d destinations per person.", num=MAX_CHANNELS_PER_USER))
    with db.atomic():
        return Channel.create(user=user, label=(label or "").strip()[:100] or service, service=service,
                              url_encrypted=_box().encrypt(url), url_hint=mask_url(url)[:120],
                              admin_alerts=bool(admin_alerts and admin))


def remove_channel(user, channel_id: int) -> bool:
    return Channel.delete().where((Channel.id == channel_id) & (Channel.user == user)).execute() == 1


def set_channel_events(channel: Channel, choices: dict[str, bool]) -> None:
    Channel.update(events=choices).where(Channel.id == channel.id).execute()
    channel.events = choices


def channels_for(user) -> list[Channel]:
    return list(Channel.select().where(Channel.user == user).order_by(Channel.id))


def user_destinations(user, kind: str) -> list[tuple[str, str]]:
    """(channel, destination) pairs where this user wants messages of `kind`."""
    from plexportal.notify import prefs

    out = []
    if prefs.wants_email(user, kind):
        out.append(("email", user.email))
    for ch in Channel.select().where((Channel.user == user) & (Channel.enabled == True)).order_by(Channel.id):
        if events.wanted(ch.events, kind):
            out.append(("apprise", str(ch.id)))
    out += push.destinations(push.user_subscriptions([user.id]), kind)
    return out


def destinations_for(users, kind: str) -> dict[int, list[tuple[str, str]]]:
    """user_destinations() for many users in two queries: {user id: [(channel, destination)…]}."""
    from plexportal.notify import prefs

    users = list(users)
    if not users:
        return {}
    ids = [u.id for u in users]
    choices = {p.user_id: p for p in NotifyPrefs.select().where(NotifyPrefs.user.in_(ids))}
    out: dict[int, list[tuple[str, str]]] = {}
    for user in users:
        out[user.id] = [("email", user.email)] if prefs.email_wanted(user, choices.get(user.id), kind) else []
    for ch in (Channel.select().where(Channel.user.in_(ids) & (Channel.enabled == True))
               .order_by(Channel.id)):
        if events.wanted(ch.events, kind):
            out[ch.user_id].append(("apprise", str(ch.id)))
    active = {u.id for u in users if u.is_active}
    for sub in push.user_subscriptions(ids):
        if sub.user_id in active:
            out[sub.user_id] += push.destinations([sub], kind)
    return out


def admin_destinations() -> list[tuple[str, str]]:
    """Admin channels (in addition to ADMIN_EMAIL, which notify.service adds)."""
    return [("apprise", str(ch.id)) for ch in
            Channel.select().where((Channel.admin_alerts == True) & (Channel.enabled == True))
            .order_by(Channel.id)] + push.admin_destinations()
