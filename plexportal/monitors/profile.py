"""The user page's section: the secret iCal address of what this user follows."""
from __future__ import annotations


def section(user, *, admin: bool) -> dict | None:
    from plexportal.monitors import calendar
    from plexportal.monitors.views import feed_url

    feed = calendar.feed_for(user)
    return {"template": "monitors/_profile_calendar.html", "ical_url": feed_url(feed),
            "upcoming": calendar.upcoming(user, days=14)[:5], "admin": admin}
