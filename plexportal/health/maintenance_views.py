"""Maintenance windows page (admin) and the banner every page shows."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from plexportal import web
from plexportal.admin import audit
from plexportal.health import maintenance
from plexportal.health.forms import WindowForm
from plexportal.lib import clock, fmt
from plexportal.settings import service as settings

bp = Blueprint("maintenance", __name__, url_prefix="/maintenance")


@bp.app_context_processor
def _banners():
    def banners() -> list[Markup]:
        try:
            active = maintenance.current()
            soon = [] if active else maintenance.upcoming()
        except Exception:  # noqa: BLE001 - a banner must never break a page (e.g. before migrations)
            return []
        if not active and not soon:
            return []
        return [Markup(render_template("health/maintenance/_banner.html", active=active,  # nosec B704 # autoescaped template
                                       soon=soon[:1]))]
    return {"banners": banners}


def _aware(local_naive):
    return local_naive.replace(tzinfo=clock.zone(settings.get("TIMEZONE"))).astimezone(clock.UTC)


def _page(form=None, status=200, **extra):
    return web.render_page("health/maintenance/index.html", "health/maintenance/_form.html", status=status,
                           form=form or WindowForm(formdata=None), windows=maintenance.windows(),
                           current=maintenance.current(), zone=settings.get("TIMEZONE"), **extra)


@bp.get("/")
def index():
    return _page()


@bp.post("/")
def create():
    """Two steps: the first answers a preview (the message exactly as it goes out, and to how many
    people); only the second, confirmed with that count, plans the window and tells everyone."""
    form = WindowForm()
    if form.validate_on_submit():
        starts, ends, message = _aware(form.starts_at.data), _aware(form.ends_at.data), form.message.data or ""
        try:
            shown = maintenance.preview(starts, ends, message)
            confirmed = request.form.get("confirmed") == "1"
            if not confirmed or request.form.get("expected") != str(shown["count"]):
                changed = confirmed                    # the people changed between preview and yes
                return _page(form, preview=shown, changed=changed)
            window = maintenance.create_window(starts, ends, message, created_by=current_user.username)
        except maintenance.WindowError as err:
            target = getattr(form, err.field, None) or form.ends_at
            target.errors = [*target.errors, err.message] if isinstance(target.errors, list) else [err.message]
        else:
            audit.record("maintenance.create", f"Planned maintenance window {window.id}: {fmt.zoned(window.starts_at)} "
                                              f"to {fmt.zoned(window.ends_at)}; told {shown['count']} people")
            return web.hx_redirect(url_for("maintenance.index"))
    return _page(form, status=422)


def _list(**extra):
    return render_template("health/maintenance/_list.html", windows=maintenance.windows(), **extra)


def _act(window_id: int, fn, kind: str, done_text: str, audit_text: str):
    """Ending and cancelling tell everyone: the first post answers the notice exactly as it goes out
    and to how many people; only a second one confirmed with that count acts."""
    maintenance.get_window_or_404(window_id)
    shown = maintenance.notice_preview(window_id, kind)
    if shown is not None:
        confirmed = request.form.get("confirmed") == "1"
        if not confirmed or request.form.get("expected") != str(shown["count"]):
            return _list(notice={"window_id": window_id, "kind": kind, **shown, "changed": confirmed})
    try:
        fn(window_id)
        told = f"; told {shown['count']} people" if shown else ""
        if shown and not shown["count"]:
            done_text = done_text.split(";")[0] + "; nobody had an email address to tell."
        audit.record(f"maintenance.{fn.__name__.split('_')[0]}", f"{audit_text} maintenance window {window_id}{told}")
    except maintenance.WindowError as err:
        return web.with_toast(_list(), err.message, "error", status=200)
    return web.with_toast(_list(), done_text)


@bp.post("/<int:window_id>/end")
def end(window_id):
    return _act(window_id, maintenance.end_window, "complete", "Maintenance ended; everyone has been told.", "Ended")


@bp.post("/<int:window_id>/cancel")
def cancel(window_id):
    return _act(window_id, maintenance.cancel_window, "cancel", "Maintenance cancelled.", "Cancelled")
