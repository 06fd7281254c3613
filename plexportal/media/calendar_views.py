"""The upcoming calendar page and each person's iCal feed. Their addresses stay under /monitors/,
where they were first published (subscribed calendar apps keep polling the same URL)."""
from __future__ import annotations

from flask import Blueprint, abort, make_response, render_template, request
from flask_babel import gettext

from plexportal import i18n, web
from plexportal.admin import audit
from plexportal.auth import hosts
from plexportal.auth.models import User
from plexportal.extensions import limiter
from plexportal.lib import clock
from plexportal.media import calendar, calendar_profile
from plexportal.media import ical as ical_text
from plexportal.notify import links
from plexportal.settings import service as settings

bp = Blueprint("calendar", __name__, url_prefix="/monitors")
MAX_ID = 2 ** 31 - 1      # larger ids in a URL are not ours (and PostgreSQL would refuse them)


@bp.get("/upcoming")
def upcoming():
    return web.render_page("media/upcoming.html", "media/_upcoming.html", entries=calendar.upcoming())


@bp.post("/upcoming/refresh")
def refresh_upcoming():
    result = calendar.refresh()          # asked for and waited on: two calendar calls
    if result["errors"]:
        message, kind = gettext("Refreshed what could be read. %(errors)s", errors=" ".join(result["errors"])), "warn"
    else:
        message, kind = gettext("Calendar refreshed: %(num)s upcoming item(s).", num=result["entries"]), "ok"
    return web.with_toast(render_template("media/_upcoming.html", entries=calendar.upcoming()), message, kind)


def _new_address(user, *, admin: bool):
    calendar.new_token(user)
    html = render_template("media/_profile_calendar.html", section=calendar_profile.section(user, admin=admin))
    message = (gettext("New calendar address made: the old one no longer works. Give them the new one.") if admin
               else gettext("New calendar address made: the old one no longer works. "
                            "Subscribe to the new one in your calendar app."))
    return web.with_toast(html, message)


@bp.post("/ical/new")
@web.user_view
@limiter.limit("10 per minute")
def new_ical():
    """A person replaces their own calendar address from their page (signed page token, or signed
    in with Plex; no password)."""
    user = links.person_for(request.form.get("token", ""))
    if user is None:
        abort(403)
    i18n.use_person(user)
    return _new_address(user, admin=False)


@bp.post("/ical/users/<int:user_id>/new")
def new_ical_for_user(user_id):
    """The admin replaces a person's calendar address from the admin's view of their page."""
    user = User.get_or_none(User.id == user_id) if user_id <= MAX_ID else None
    if user is None:
        abort(404)
    response = _new_address(user, admin=True)
    audit.record("monitors.ical", f"Made a new calendar address for {user.name}")
    return response


@bp.get("/ical/<token>.ics")
@web.public
@hosts.any_host
def ical(token):
    user = calendar.user_for_token(token)
    if user is None:
        abort(404)                       # says nothing about whether the address ever existed
    body = ical_text.render(calendar.upcoming(user), name=f"{settings.get('SERVER_NAME')}: upcoming",
                            stamp=clock.now())
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Cache-Control"] = "private, max-age=900"
    response.headers["Content-Disposition"] = 'inline; filename="upcoming.ics"'
    return response
