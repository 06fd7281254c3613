"""Operations pages (under Settings): Data (plexportal's own backups), Logs, Jobs; and /metrics."""
from __future__ import annotations

import time

from flask import Blueprint, abort, g, make_response, render_template, request, send_file, url_for

from plexportal import web
from plexportal.admin import audit
from plexportal.auth import throttle
from plexportal.auth.hosts import any_host
from plexportal.backups import service as backups
from plexportal.extensions import client_address, csrf, limiter
from plexportal.lib import fmt
from plexportal.ops import backup, jobs, logview, metrics, service
from plexportal.ops.models import SelfBackup
from plexportal.security import constant_time_equals
from plexportal.settings import service as settings

bp = Blueprint("ops", __name__, url_prefix="/ops")
metrics_bp = Blueprint("metrics", __name__)
csrf.exempt(metrics_bp)


# -- Data ---------------------------------------------------------------------------------------------

def _data_context():
    where = service.folder()
    expr = service.schedule()
    return dict(
        folder=where, same_disk=service.same_disk_as_data(where), schedule=expr, explained=backups.explain_cron(expr) if expr else "",
        next_fire=service.next_fire(), keep=settings.get_int("SELF_BACKUP_KEEP"),
        sealed=bool(settings.get("SELF_BACKUP_PASSPHRASE")), archives=backup.archives(where),
        active=service.active_backup(), recent=service.history(8),
        last_success=SelfBackup.select().where(SelfBackup.status == "success").order_by(SelfBackup.id.desc()).first(),
    )


@bp.get("/data")
def data():
    return web.render_page("ops/data.html", **_data_context())


@bp.post("/data/backups")
def create_backup():
    row, created = service.request_backup()
    if created:
        audit.record("ops.backup", "Started a backup of plexportal (Create now)")
    html = render_template("ops/_progress.html", row=row)
    return web.with_toast(html, "Backup started." if created else "A backup is already running.",
                          "ok" if created else "warn")


@bp.get("/data/backups/<int:backup_id>")
def backup_progress(backup_id: int):
    row = SelfBackup.get_or_none(SelfBackup.id == backup_id) if backup_id < 2 ** 31 else None
    if row is None:
        abort(404)
    if row.status not in ("queued", "running") and web.is_partial():
        # Finished: show the result and refresh the list of archives out of band.
        ctx = _data_context()
        html = (render_template("ops/_progress.html", row=row)
                + render_template("ops/_archives.html", oob=True, **ctx)
                + render_template("ops/_summary.html", oob=True, **ctx))
        return web.with_toast(html, "Backup done." if row.status == "success" else "The backup failed.",
                              "ok" if row.status == "success" else "error")
    return web.render_page("ops/data.html", "ops/_progress.html", row=row, **_data_context())


@bp.get("/data/download/<name>")
def download(name: str):
    path = service.archive_path(name)
    if path is None:
        abort(404)
    audit.record("ops.download", f"Downloaded the backup {name}")
    return send_file(path, mimetype="application/gzip", as_attachment=True, download_name=name, max_age=0)


# -- Logs ---------------------------------------------------------------------------------------------

@bp.get("/logs")
def logs():
    f = logview.Filters.from_args(request.args)
    after = request.args.get("after", type=int)
    if after is not None and web.is_partial():
        rows = logview.newer(f, after)
        latest = rows[0].id if rows else after
        return render_template("ops/_log_follow.html", rows=rows, f=f, latest=latest, link=logview.subject_link)
    before = request.args.get("before", type=int)
    rows, more = logview.page(f, before)
    latest = rows[0].id if rows and not before else logview.newest_id()
    return web.render_page("ops/logs.html", "ops/_log_table.html", rows=rows, more=more, f=f, latest=latest,
                           follow=request.args.get("follow") == "1" and not before, before=before,
                           levels=logview.LEVELS, processes=logview.PROCESSES, areas=logview.areas(),
                           link=logview.subject_link)


# -- Jobs ---------------------------------------------------------------------------------------------

@bp.get("/jobs")
def jobs_page():
    return web.render_page("ops/jobs.html", jobs=jobs.jobs(), others=jobs.other_states(), seen=jobs.worker_seen())


@bp.post("/jobs/run")
def run_job():
    name = request.form.get("name", "")
    try:
        queued = jobs.run_now(name)
    except jobs.NotRunnable:
        return web.with_toast("", "That task cannot be run by hand.", "error", status=200)
    label = jobs.LABELS.get(name, name)
    if queued:
        audit.record("ops.run_job", f"Ran {label} by hand")
    return web.with_toast("", f"Queued: {label}. The worker runs it within seconds." if queued
                          else f"{label} is already queued.", "ok" if queued else "warn")


# -- /metrics ------------------------------------------------------------------------------------------

def _metrics_allowed() -> bool:
    given = request.headers.get("X-Api-Key", "")
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer ":
        given = auth[7:].strip()
    for key in ("METRICS_TOKEN", "API_KEY"):
        expected = settings.get(key)
        if expected and constant_time_equals(given, expected):
            return True
    return False


@metrics_bp.get("/metrics")
@web.public
@any_host                                   # Prometheus knows plexportal by its container or host name
@limiter.limit("120 per minute")            # Prometheus asks every 15-60 s
def prometheus():
    if not settings.get_bool("METRICS_ENABLED"):
        abort(404)
    if not (settings.get("METRICS_TOKEN") or settings.get("API_KEY")):
        return make_response("Metrics are enabled but no METRICS_TOKEN (or API key) is set.\n", 403,
                             {"Content-Type": "text/plain; charset=utf-8"})
    address = client_address()
    try:
        # Wrong tokens count against the same per-address allowance as wrong API keys.
        with throttle.MACHINE_SECRET.attempt(address, abort_with=None) as record_failure:
            if not _metrics_allowed():
                record_failure()
                return make_response("Send the metrics token as Authorization: Bearer <token>.\n", 401,
                                     {"WWW-Authenticate": 'Bearer realm="plexportal metrics"',
                                      "Content-Type": "text/plain; charset=utf-8"})
    except throttle.Throttled:
        return make_response("Too many wrong tokens from this address; wait a few minutes.\n", 429,
                             {"Content-Type": "text/plain; charset=utf-8"})
    response = make_response(metrics.exposition(), 200)
    response.headers["Content-Type"] = "text/plain; version=0.0.4; charset=utf-8"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.before_app_request
def _start_timer():
    g._ops_started = time.perf_counter()


@bp.after_app_request
def _observe(response):
    started = g.pop("_ops_started", None)
    if started is not None:
        try:
            metrics.observe(request.method, request.endpoint, response.status_code, time.perf_counter() - started)
        except Exception:  # noqa: BLE001 - a metric must never fail the response  # nosec B110
            pass
    return response


@bp.app_template_filter("ms")
def _ms(value):
    if value is None:
        return "—"
    return f"{value} ms" if value < 1000 else fmt.human_duration(value / 1000)


def tabs():
    return [("Data", url_for("ops.data")), ("Logs", url_for("ops.logs")), ("Jobs", url_for("ops.jobs_page"))]


@bp.app_context_processor
def _ops_tabs():
    return {"ops_tabs": tabs}
