"""Backups pages (HTTP only: parse, call the service, render) and the ping endpoints."""
from __future__ import annotations

import json
import statistics
from datetime import date, timedelta
from pathlib import Path

from flask import Blueprint, abort, jsonify, request, url_for
from flask_login import current_user

from plexportal import web
from plexportal.admin import audit
from plexportal.auth import hosts
from plexportal.backups import health, monitor, runner, schedule, service
from plexportal.backups.models import BackupJob
from plexportal.extensions import csrf, limiter
from plexportal.lib import clock, fmt
from plexportal.security import mask
from plexportal.settings import service as settings

bp = Blueprint("backups", __name__, url_prefix="/backups")
STATUSES = ["success", "partial", "failed", "missed", "running", "dry_run"]


def _filters() -> service.HistoryFilter:
    def day(name):
        try:
            return date.fromisoformat(request.args.get(name, ""))
        except ValueError:
            return None
    status = request.args.get("status", "")
    return service.HistoryFilter(status=status if status in STATUSES else "", since=day("since"), until=day("until"),
                                 search=request.args.get("q", "").strip()[:100],
                                 page=web.int_arg("page", 1, minimum=1))


def _history_ctx(f: service.HistoryFilter) -> dict:
    rows, has_more, total = service.history(f)
    args = {k: v for k, v in {"status": f.status, "since": f.since and f.since.isoformat(),
                              "until": f.until and f.until.isoformat(), "q": f.search}.items() if v}
    # A run's day is its day in the backup's zone, so its start is shown in that zone too, named.
    return {"runs": rows, "has_more": has_more, "total": total, "filters": f, "filter_args": args,
            "statuses": STATUSES, "backup_zone": service.importer.zone()}


def _chart_data(points: list[dict]) -> dict:
    sizes = [p["size"] for p in points if p["size"] is not None]
    durations = [p["duration"] for p in points if p["duration"] is not None]
    drop = settings.get_int("BACKUP_SIZE_DROP_PCT")
    factor = float(settings.get("BACKUP_DURATION_FACTOR") or 3)
    recent_sizes, recent_durations = sizes[-monitor.RECENT:], durations[-monitor.RECENT:]
    return {
        "days": [p["day"] for p in points],
        "size_gb": [round(p["size"] / 1e9, 3) if p["size"] is not None else None for p in points],
        "duration_min": [round(p["duration"] / 60, 2) if p["duration"] is not None else None for p in points],
        "size_floor_gb": round(statistics.median(recent_sizes) * (1 - drop / 100) / 1e9, 3) if recent_sizes else None,
        "duration_ceiling_min": round(statistics.median(recent_durations) * factor / 60, 2) if recent_durations else None,
        "drop_pct": drop, "factor": factor,
    }


@bp.get("/")
def index():
    st = monitor.compute()
    today = clock.now().astimezone(service.importer.zone()).date()
    f = _filters()
    points = service.series(365)
    cells = service.heatmap(365)
    next_fire = None
    if st.schedule and st.schedule.expr:
        next_fire = schedule.next_run(st.schedule.expr, service.importer.zone(), clock.now())
    ctx = dict(st=st, next_fire=next_fire, all_time=service.totals(), month=service.totals(today - timedelta(days=30)),
               year=service.totals(today - timedelta(days=365)),
               chart=json.dumps(_chart_data(points)), points=len(points), cells=cells,
               **_months_ctx(None), job=runner.active_job() or _recent_job(),
               last_anomalies=monitor.anomalies(st.last), dest_path=settings.get("BACKUP_DEST_PATH"),
               dest=monitor.check_row(), **_history_ctx(f))
    return web.render_page("backups/index.html", **ctx)


def _months_ctx(before: date | None) -> dict:
    months = service.monthly(before, service.MONTHS_SHOWN)
    older = months[-1]["month"] if months and service.has_months_before(months[-1]["month"]) else None
    return {"months": months, "older_months": older}


@bp.get("/months")
def months_page():
    """Two years of the by-month table: the newest, or those before ?before=YYYY-MM (rows for htmx)."""
    before = None
    if request.args.get("before"):
        try:
            before = date.fromisoformat(f"{request.args['before']}-01")
        except ValueError:
            abort(400)
    return web.render_page("backups/months.html", "backups/_months.html", **_months_ctx(before))


def _recent_job():
    job = BackupJob.select().order_by(BackupJob.id.desc()).first()
    if job and job.finished_at and clock.now() - job.finished_at < timedelta(minutes=30):
        return job
    return None


@bp.get("/history")
def history():
    return web.render_page("backups/history.html", "backups/_history.html", **_history_ctx(_filters()))


@bp.get("/runs/<int:run_id>")
def run_detail(run_id):
    run = service.get_run_or_404(run_id)
    return web.render_page("backups/run.html", "backups/_run_detail.html", run=run)


@bp.post("/run")
@limiter.limit("10 per minute")
def run_now():
    try:
        job = runner.request_run(by=getattr(current_user, "username", "") or "admin")
    except runner.RunRefused as err:
        message = err.message
        if err.next_allowed:
            message += f" Next allowed {fmt.localtime(err.next_allowed)} ({fmt.reltime(err.next_allowed)})."
        if not web.is_htmx():
            return web.with_toast("", message, "warn", status=429 if err.next_allowed else 409)
        response = web.with_toast("", message, "warn")
        response.headers["HX-Reswap"] = "none"          # keep the job panel as it is; only the toast
        return response
    from plexportal.backups.tasks import run_backup_job_task

    audit.record("backups.run", f"Started a manual backup run (job {job.id})")
    run_backup_job_task(job.id)
    job = BackupJob.get_by_id(job.id)
    if not web.is_htmx():
        return web.hx_redirect(url_for("backups.index"))
    body = web.render_page("backups/job.html", "backups/_job.html", job=job).get_data(as_text=True)
    return web.with_toast(body, "Backup started; its output appears below.")


@bp.get("/jobs/<int:job_id>")
def job_output(job_id):
    job = BackupJob.get_or_none(BackupJob.id == job_id)
    if job is None:
        abort(404)
    if job.status == "running":
        runner.reap()
        job = BackupJob.get_by_id(job_id)
    return web.render_page("backups/job.html", "backups/_job.html", job=job)


@bp.get("/schedule")
def schedule_page():
    return web.render_page("backups/schedule.html", **_schedule_ctx())


def _schedule_ctx(error: str = "", value: str = "") -> dict:
    sched = schedule.current()
    zone = service.importer.zone()
    runs = schedule.next_runs(sched.expr, zone, clock.now(), 8) if sched.expr else []
    shown = value or sched.expr
    return {"sched": sched, "runs": runs, "zone": zone.key, "error": error, "value": shown,
            "explain_text": "" if (error or not shown or schedule.problem(shown)) else schedule.explain(shown),
            "can_edit": settings.get_bool("CRON_EDIT_ENABLED") and sched.source == "crontab",
            "edit_enabled": settings.get_bool("CRON_EDIT_ENABLED")}


@bp.post("/schedule")
def schedule_save():
    expr = request.form.get("expr", "").strip()
    try:
        line = schedule.change_crontab_schedule(expr)
    except schedule.ScheduleError as err:
        return web.render_page("backups/schedule.html", "backups/_schedule_form.html", status=422,
                               **_schedule_ctx(error=str(err), value=expr))
    audit.record("backups.schedule", f"Changed the backup's crontab schedule to {line.expr}")
    body = web.render_page("backups/schedule.html", "backups/_schedule_form.html", **_schedule_ctx()).get_data(as_text=True)
    return web.with_toast(body, f"Crontab updated: {schedule.explain(line.expr)}.")


@bp.get("/explain")
def explain():
    expr = request.args.get("expr", "")
    if not web.is_partial():        # opened as a page (no htmx): the schedule page, not a bare fragment
        return web.render_page("backups/schedule.html", **_schedule_ctx())
    problem = schedule.problem(expr)
    text = problem or (schedule.explain(expr) if expr.strip() else "")
    return web.render_page("backups/schedule.html", "backups/_explain.html", text=text, bad=bool(problem))


@bp.get("/restore")
def restore():
    return web.render_page("backups/restore.html", dest=settings.get("BACKUP_DEST_PATH"))


@bp.get("/setup")
def setup():
    token = service.ping_token()
    return web.render_page("backups/setup.html", token_mask=mask(token), has_token=bool(token),
                           checks=health.run_checks(), base=_ping_base("TOKEN"),
                           in_container=Path("/.dockerenv").exists())


def _ping_base(token: str) -> str:
    base = settings.get("BASE_URL") or request.host_url.rstrip("/")
    return f"{base.rstrip('/')}/backups/ping/{token}"


@bp.post("/setup/token")
def new_token():
    """A new token, shown this once (afterwards only masked: a token shown again on demand is a
    token any admin session, or a glance at the screen, can take away)."""
    token = service.generate_ping_token()
    audit.record("backups.ping_token", "Generated a new backup ping token")
    body = web.render_page("backups/setup.html", "backups/_token.html", token=token, url=_ping_base(token))
    return web.with_toast(body.get_data(as_text=True), "New ping token saved; copy the address now, it is shown "
                          "only once. Then update your backup script.")


@bp.post("/ping/<token>/<kind>")
@csrf.exempt
@limiter.limit("60 per minute")
@web.public
@hosts.any_host
def ping(token, kind):
    if kind not in ("start", "success", "fail"):
        return jsonify(error="use /start, /success or /fail"), 404
    if not service.is_ping_token(token):
        return jsonify(error="unknown token"), 404
    run = service.record_ping(kind, request.stream.read(service.PING_BODY_LIMIT))
    monitor.evaluate()
    return jsonify(status="ok", run=run.status)


@bp.app_template_global("job_tail")
def job_tail(job):
    return runner.output_tail(job)
