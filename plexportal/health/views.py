"""Media-health pages: the monitors (last run, outcome, Run now), each monitor's runs, the reported
issues; the maintenance pages are in maintenance_views.py."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from plexportal import web
from plexportal.admin import audit
from plexportal.health import monitors, service
from plexportal.health.models import IssueFix
from plexportal.health.monitors import issue_fix
from plexportal.health.tasks import run_monitor_task
from plexportal.settings import service as settings
from plexportal.settings.registry import get_def

# The blueprint keeps the name "monitors" (and /monitors/): "health" is /healthz's (api/views.py).
bp = Blueprint("monitors", __name__, url_prefix="/monitors")


@bp.app_context_processor
def _helpers():
    return {"has_endpoint": lambda endpoint: endpoint in current_app.view_functions}


def _monitor_or_404(name: str):
    if name not in monitors.MONITORS:
        abort(404)
    return monitors.MONITORS[name]


def _suggestions_ctx() -> dict:
    return {"suggestions": service.suggestions(), "modes": service.modes()}


@bp.get("/")
def index():
    return web.render_page("health/index.html", "health/_monitors.html", rows=service.overview(),
                           paused=service.pause_reason(), **_suggestions_ctx())


@bp.post("/suggestions/<int:action_id>/do")
def do_suggestion(action_id):
    try:
        ok, message = service.do_suggestion(action_id)
    except service.Busy as err:
        ok, message = False, f"Not now: {err}"
    if ok:
        audit.record("monitors.do", message)
    return web.with_toast(render_template("health/_suggestions.html", **_suggestions_ctx()), message,
                          "ok" if ok else "warn")


@bp.post("/suggestions/<int:action_id>/dismiss")
def dismiss_suggestion(action_id):
    service.dismiss_suggestion(action_id)
    return web.with_toast(render_template("health/_suggestions.html", **_suggestions_ctx()),
                          "Dismissed: it will not be listed again.")


@bp.post("/suggestions/automatic")
def fix_automatically():
    key = request.form.get("setting") or "IMPORT_FIX_MODE"
    if key not in {m["key"] for m in service.MODES}:
        abort(400)
    if settings.is_locked(key):
        return web.with_toast(render_template("health/_suggestions.html", **_suggestions_ctx()),
                              f"{key} is set in the environment: change it there.", "warn", status=409)
    mode = service.set_automatic(key)
    audit.record("settings.saved", f"{mode['what']}: now automatic ({key}={mode['auto']})")
    return web.with_toast(render_template("health/_suggestions.html", **_suggestions_ctx()), mode["done"])


def _detail_ctx(m):
    st = service.state(m.name)
    own = [(get_def(k), settings.get(k)) for k in (m.enabled_key, m.interval_key, *m.settings)]
    return {"m": m, "st": st, "runs": service.last_runs(m.name), "own": own, "paused": service.pause_reason(),
            "enabled": service.is_enabled(m), "next_due": service.next_due(m, st)}


@bp.get("/<name>")
def monitor(name):
    m = _monitor_or_404(name)
    return web.render_page("health/monitor.html", "health/_runs.html", **_detail_ctx(m))


@bp.post("/<name>/run")
def run_now(name):
    m = _monitor_or_404(name)
    reason = service.pause_reason()
    if reason:
        return web.with_toast(render_template("health/_runs.html", **_detail_ctx(m)),
                              f"Not started: paused for {reason}.", "warn")

    run_monitor_task(name, "manual")
    audit.record("monitors.run", f"Ran the {m.label} monitor by hand")
    return web.with_toast(render_template("health/_runs.html", **_detail_ctx(m), started=True),
                          f"{m.label}: run started.")


# -- reported issues (the manual-review list) -----------------------------------------------------

def _issues_ctx():
    rows = list(IssueFix.select().order_by(IssueFix.created_at.desc()).limit(200))
    return {"review": [f for f in rows if f.state in ("review", "retry")],
            "others": [f for f in rows if f.state not in ("review", "retry")],
            "mode": settings.get("ISSUE_FIX_MODE")}


@bp.get("/issues")
def issues():
    return web.render_page("health/issues.html", "health/_issues.html", **_issues_ctx())


def _issue_or_404(fix_id: int):
    fix = IssueFix.get_or_none(IssueFix.id == fix_id)
    if fix is None:
        abort(404)
    return fix


@bp.post("/issues/<int:fix_id>/approve")
def approve_issue(fix_id):
    fix = _issue_or_404(fix_id)
    after = issue_fix.approve(fix.id)
    audit.record("monitors.issue.approve", f"Approved the fix for Seerr issue {fix.seerr_issue_id}")
    if after.state == "fixing":
        message, kind = "Fix started: the file was removed and a replacement is being searched for.", "ok"
    else:
        message, kind = f"Could not fix it: {after.error or after.state}", "error"
    return web.with_toast(render_template("health/_issues.html", **_issues_ctx()), message, kind)


@bp.post("/issues/<int:fix_id>/dismiss")
def dismiss_issue(fix_id):
    fix = _issue_or_404(fix_id)
    issue_fix.dismiss(fix.id)
    audit.record("monitors.issue.dismiss", f"Dismissed Seerr issue {fix.seerr_issue_id}")
    return web.with_toast(render_template("health/_issues.html", **_issues_ctx()), "Dismissed; nothing was changed.")
