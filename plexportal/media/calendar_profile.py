"""The user page's section: the secret iCal address of what this user follows, with a button that
replaces it (the person's own page posts their signed page token; the admin's view posts by id)."""
from __future__ import annotations

from flask import request, url_for

from plexportal.media import calendar
from plexportal.notify import links
from plexportal.settings import service as settings


def feed_url(feed) -> str:
    path = url_for("calendar.ical", token=feed.token)
    base_url = (settings.get("BASE_URL") or request.url_root).rstrip("/")
    return base_url + path


def section(user, *, admin: bool) -> dict | None:
    feed = calendar.feed_for(user)
    token = "" if admin else links.request_token()     # the link the person came with; never a new one
    return {"template": "media/_profile_calendar.html", "ical_url": feed_url(feed),
            "upcoming": calendar.upcoming(user, days=14)[:5], "admin": admin, "user_id": user.id,
            "token": token}
