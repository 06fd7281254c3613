"""The invites section on a person's own page and on the admin's user detail page."""
from __future__ import annotations

from plexportal.invites import service
from plexportal.invites.models import Access


def section(user, *, admin: bool) -> dict | None:
    access = Access.get_or_none(Access.user == user.id)
    if access is None:
        return None
    return {"template": "invites/_profile.html", "access": access, "admin": admin,
            "libraries": service.library_titles(access.libraries)}
