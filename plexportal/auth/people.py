"""Which person on the server a Plex account is. One small function, so the day people get one
record of their own (DESIGN law 12) only this lookup changes."""
from __future__ import annotations

from plexportal.auth.models import User
from plexportal.invites import service as invites


def person_for_plex_account(plex_user_id: int, email: str = "", username: str = "") -> User | None:
    """The person with access to the server behind this Plex account, or None (no access)."""

    user = invites.person_with_access(plex_user_id, email, username)
    return user if user is not None and user.is_active else None
