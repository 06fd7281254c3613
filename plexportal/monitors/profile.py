"""The user page's section: the secret iCal address of what this user follows, with a button that
replaces it (the person's own page posts their signed page token; the admin's view posts by id)."""
from __future__ import annotations


def section(user, *, admin: bool) -> dict | None:
    from plexportal.monitors import calendar
    from plexportal.monitors.views import feed_url

    feed = calendar.feed_for(user)
    token = ""
    if not admin:
        from plexportal.notify import links

        token = links.request_token()        # the link the person came with; never a new one
    return {"template": "monitors/_profile_calendar.html", "ical_url": feed_url(feed),
            "upcoming": calendar.upcoming(user, days=14)[:5], "admin": admin, "user_id": user.id,
            "token": token}
