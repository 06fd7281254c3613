"""Media-health pages: the monitors (last run, outcome, Run now), each monitor's runs."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from plexportal import web
from plexportal.admin import audit
from plexportal.monitors import service
from plexportal.media import monitors
from plexportal.settings import service as settings
from plexportal.settings.registry import get_def

bp = Blueprint("monitors", __name__, url_prefix="/monitors")
BLUEPRINTS = [bp]


@bp.context_processor
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
    audit.record("monitors.run", f"ran the {m.label} monitor by hand")
    return web.with_toast(render_template("monitors/_runs.html", **_detail_ctx(m)), f"{m.label}: run started.")
