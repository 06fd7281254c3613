"""Admin alerts from the invites area, each with a dedup key per incident (the outbox sends it once)."""
from __future__ import annotations

from plexportal.lib import clock, fmt
from plexportal.notify.service import queue_admin_alert


def _who(redemption) -> str:
    return redemption.plex_username or redemption.email or redemption.identifier


def redeemed(redemption, source: str) -> None:
    waiting = " It is waiting for your approval." if redemption.state == "awaiting_approval" else ""
    queue_admin_alert(f"Invite used by {_who(redemption)}",
                      f"{_who(redemption)} used {source}.{waiting}", kind="invites.redeemed",
                      dedup_key=f"invites.redeemed.{redemption.id}")


def provisioning_failed(redemption, reason: str) -> None:
    queue_admin_alert(f"Could not share the server with {_who(redemption)}",
                      f"Sharing the server with {_who(redemption)} failed: {reason}\n"
                      "Open Invites → the redemption to retry once the cause is fixed.",
                      kind="invites.failed", dedup_key=f"invites.failed.{redemption.id}.{redemption.attempts}")


def token_invalid(message: str) -> None:
    # One alert per day while the token stays broken, not one per failed call.
    day = clock.now().strftime("%Y-%m-%d")
    queue_admin_alert("The Plex token is no longer valid",
                      f"plex.tv rejected the server owner's token: {message}\n"
                      "Sharing, syncing users and expiring access are paused until you paste a new token "
                      "under Settings → Plex.", kind="invites.token", dedup_key=f"invites.token-invalid.{day}")


def access_expiring(access) -> None:
    queue_admin_alert(f"Access for {access.title or access.username} ends soon",
                      f"{access.title or access.username}'s access ends on {fmt.zoned(access.expires_at)}. "
                      "Extend it on the Users page if they should keep it.", kind="invites.expiring",
                      dedup_key=f"invites.expiring.{access.id}.{access.expires_at:%Y%m%d%H%M}")


def access_expired(access) -> None:
    queue_admin_alert(f"Access for {access.title or access.username} has ended",
                      f"{access.title or access.username}'s timed access ended and the share was removed. "
                      "Restore it on the Users page if that was a mistake.", kind="invites.expired",
                      dedup_key=f"invites.expired.{access.id}.{access.expires_at:%Y%m%d%H%M}")
