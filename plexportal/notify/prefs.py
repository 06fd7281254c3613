"""A user's email choices: per-event switches and the all-off unsubscribe."""
from __future__ import annotations

from plexportal.lib import clock
from plexportal.notify import events
from plexportal.notify.models import NotifyPrefs


def get(user) -> NotifyPrefs:
    row = NotifyPrefs.get_or_none(NotifyPrefs.user == user)
    return row or NotifyPrefs(user=user)


def wants_email(user, kind: str) -> bool:
    if not user.email or not user.is_active:
        return False
    return email_wanted(user, get(user), kind)


def email_wanted(user, p: NotifyPrefs | None, kind: str) -> bool:
    """wants_email() with the user's NotifyPrefs row already read (None: they have none)."""
    if not user.email or not user.is_active:
        return False
    p = p or NotifyPrefs(user=user)
    return bool(p.email_enabled and events.wanted(p.email_events, kind))


def _save(user, **fields) -> None:
    fields["updated_at"] = clock.now()
    (NotifyPrefs.insert(user=user.id, **fields)
     .on_conflict(conflict_target=[NotifyPrefs.user], update=fields).execute())


def unsubscribe(user) -> None:
    _save(user, email_enabled=False, unsubscribed_at=clock.now())


def resubscribe(user) -> None:
    _save(user, email_enabled=True, unsubscribed_at=None)


def set_email_events(user, choices: dict[str, bool]) -> None:
    _save(user, email_events=choices)
