"""Media-health pages: the monitors (last run, outcome, Run now), each monitor's runs."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from plexportal import web
from plexportal.admin import audit
from plexportal.auth import hosts
from plexportal.extensions import limiter
from plexportal.lib import clock
from plexportal.media.monitors import hooks  # noqa: F401 - registers the webhook subscribers
from plexportal.monitors import service
from plexportal.media import monitors
from plexportal.settings import service as settings
from plexportal.settings.registry import get_def

bp = Blueprint("monitors", __name__, url_prefix="/monitors")
BLUEPRINTS = [bp]


@bp.app_context_processor
def _helpers():
    return {"has_endpoint": lambda endpoint: endpoint in current_app.view_functions}


def _monitor_or_404(name: str):
    if name not in monitors.MONITORS:
        abort(404)
    return monitors.MONITORS[name]


@bp.get("/")
def index():
    return web.render_page("monitors/index.html", "monitors/_monitors.html", rows=service.overview(),
                           paused=service.pause_reason())


def _detail_ctx(m):
    st = service.state(m.name)
    own = [(get_def(k), settings.get(k)) for k in (m.enabled_key, m.interval_key, *m.settings)]
    return {"m": m, "st": st, "runs": service.last_runs(m.name), "own": own, "paused": service.pause_reason(),
            "enabled": service.is_enabled(m), "next_due": service.next_due(m, st)}


@bp.get("/<name>")
def monitor(name):
    m = _monitor_or_404(name)
    return web.render_page("monitors/monitor.html", "monitors/_runs.html", **_detail_ctx(m))


@bp.post("/<name>/run")
def run_now(name):
    m = _monitor_or_404(name)
    reason = service.pause_reason()
    if reason:
        return web.with_toast(render_template("monitors/_runs.html", **_detail_ctx(m)),
                              f"Not started: paused for {reason}.", "warn")
    from plexportal.monitors.tasks import run_monitor_task

    run_monitor_task(name, "manual")
    audit.record("monitors.run", f"Ran the {m.label} monitor by hand")
    return web.with_toast(render_template("monitors/_runs.html", **_detail_ctx(m), started=True),
                          f"{m.label}: run started.")


# -- reported issues (the manual-review list) -----------------------------------------------------

def _issues_ctx():
    from plexportal.monitors.models import IssueFix

    rows = list(IssueFix.select().order_by(IssueFix.created_at.desc()).limit(200))
    return {"review": [f for f in rows if f.state in ("review", "retry")],
            "others": [f for f in rows if f.state not in ("review", "retry")],
            "mode": settings.get("ISSUE_FIX_MODE")}


@bp.get("/issues")
def issues():
    return web.render_page("monitors/issues.html", "monitors/_issues.html", **_issues_ctx())


def _issue_or_404(fix_id: int):
    from plexportal.monitors.models import IssueFix

    fix = IssueFix.get_or_none(IssueFix.id == fix_id)
    if fix is None:
        abort(404)
    return fix


@bp.post("/issues/<int:fix_id>/approve")
def approve_issue(fix_id):
    from plexportal.media.monitors import issue_fix

    fix = _issue_or_404(fix_id)
    after = issue_fix.approve(fix.id)
    audit.record("monitors.issue.approve", f"Approved the fix for Seerr issue {fix.seerr_issue_id}")
    if after.state == "fixing":
        message, kind = "Fix started: the file was removed and a replacement is being searched for.", "ok"
    else:
        message, kind = f"Could not fix it: {after.error or after.state}", "error"
    return web.with_toast(render_template("monitors/_issues.html", **_issues_ctx()), message, kind)


@bp.post("/issues/<int:fix_id>/dismiss")
def dismiss_issue(fix_id):
    from plexportal.media.monitors import issue_fix

    fix = _issue_or_404(fix_id)
    issue_fix.dismiss(fix.id)
    audit.record("monitors.issue.dismiss", f"Dismissed Seerr issue {fix.seerr_issue_id}")
    return web.with_toast(render_template("monitors/_issues.html", **_issues_ctx()), "Dismissed; nothing was changed.")


# -- upcoming calendar and the per-user iCal feed --------------------------------------------------

def feed_url(feed) -> str:
    from flask import request, url_for

    path = url_for("monitors.ical", token=feed.token)
    base_url = (settings.get("BASE_URL") or request.url_root).rstrip("/")
    return base_url + path


@bp.get("/upcoming")
def upcoming():
    from plexportal.monitors import calendar

    return web.render_page("monitors/upcoming.html", "monitors/_upcoming.html", entries=calendar.upcoming())


@bp.post("/upcoming/refresh")
def refresh_upcoming():
    from plexportal.monitors import calendar

    result = calendar.refresh()          # asked for and waited on: two calendar calls
    if result["errors"]:
        message, kind = "Refreshed what could be read. " + " ".join(result["errors"]), "warn"
    else:
        message, kind = f"Calendar refreshed: {result['entries']} upcoming item(s).", "ok"
    return web.with_toast(render_template("monitors/_upcoming.html", entries=calendar.upcoming()), message, kind)


MAX_ID = 2 ** 31 - 1      # larger ids in a URL are not ours (and PostgreSQL would refuse them)


def _new_address(user, *, admin: bool):
    from plexportal.monitors import calendar, profile

    calendar.new_token(user)
    html = render_template("monitors/_profile_calendar.html", section=profile.section(user, admin=admin))
    message = ("New calendar address made: the old one no longer works. "
               + ("Give them the new one." if admin else "Subscribe to the new one in your calendar app."))
    return web.with_toast(html, message)


@bp.post("/ical/new")
@web.user_view
@limiter.limit("10 per minute")
def new_ical():
    """A person replaces their own calendar address from their page (signed page token, or signed
    in with Plex; no password)."""
    from plexportal.notify import links

    user = links.person_for(request.form.get("token", ""))
    if user is None:
        abort(403)
    return _new_address(user, admin=False)


@bp.post("/ical/users/<int:user_id>/new")
def new_ical_for_user(user_id):
    """The admin replaces a person's calendar address from the admin's view of their page."""
    from plexportal.auth.models import User

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
    from flask import make_response

    from plexportal.monitors import calendar, ical as ical_text

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
