"""List-Unsubscribe (RFC 2369) and one-click List-Unsubscribe-Post (RFC 8058) on user messages."""
from __future__ import annotations

from email.message import EmailMessage

from plexportal.notify import links
from plexportal.notify.models import Notification
from plexportal.settings import service as settings


def list_unsubscribe(n: Notification, msg: EmailMessage) -> None:
    if n.audience != "user" or n.user_id is None:
        return
    targets = [f"<{links.unsubscribe_url(n.user)}>"]
    sender = settings.get("SMTP_FROM")
    if sender:
        targets.append(f"<mailto:{sender}?subject=unsubscribe>")
    msg["List-Unsubscribe"] = ", ".join(targets)
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"

