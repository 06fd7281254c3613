"""Non-email transports (send.TRANSPORTS): Apprise channels. The row's destination is the
Channel id; the URL is read (decrypted) only here, just before sending."""
from __future__ import annotations

from plexportal.gateways import apprise as apprise_gateway
from plexportal.gateways.base import GatewayError
from plexportal.notify.models import Channel, Notification
from plexportal.notify.send import Rendered


def deliver_apprise(n: Notification, content: Rendered) -> None:
    from plexportal.notify import channels

    channel = Channel.get_or_none(Channel.id == int(n.destination)) if n.destination.isdecimal() and len(n.destination) < 10 else None
    if channel is None:
        raise GatewayError("The destination was removed.", permanent=True)
    if not channel.enabled:
        raise GatewayError("The destination is turned off.", permanent=True)
    url = channels.url_of(channel)
    if not url:
        raise GatewayError("The destination's URL cannot be read with the current secret key.", permanent=True)
    # A person's own destination reaches public addresses only (checked at connect time, so a
    # name re-pointed after it was added cannot reach inside the network).
    apprise_gateway.send(url, content.subject, content.text, public_only=channels.is_guarded(channel.user),
                         allowed=channels.allowed_private_hosts())

