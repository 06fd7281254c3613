"""CSV batch invitations: upload, preview, send, and per-row progress (polled)."""
from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user

from plexportal import web
from plexportal.i18n import said
from plexportal.invites import batch as batch_service
from plexportal.invites.models import Batch
from plexportal.invites.tasks import send_batch_task
from plexportal.invites.views import bp


def get_batch_or_404(batch_id: int) -> Batch:
    return Batch.get_or_none(Batch.id == batch_id) or abort(404)


@bp.get("/invites/batch")
def batch_index():
    batches = list(Batch.select().order_by(Batch.created_at.desc()).limit(20))
    return web.render_page("invites/batch.html", batches=batches, error=None)


@bp.post("/invites/batch")
def batch_upload():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        error = gettext("Choose a CSV file to upload.")
    else:
        try:
            batch = batch_service.create(upload.filename, upload.read(), actor=current_user)
        except ValueError as err:
            error = said(err)
        else:
            return web.hx_redirect(url_for("invites.batch_detail", batch_id=batch.id))
    batches = list(Batch.select().order_by(Batch.created_at.desc()).limit(20))
    return web.render_page("invites/batch.html", "invites/_batch_upload.html", status=422, batches=batches, error=error)


def _detail_ctx(batch: Batch, **extra) -> dict:
    return {"batch": batch, "p": batch_service.progress(batch), "shown": batch_service.preview(batch), **extra}


@bp.get("/invites/batch/<int:batch_id>")
def batch_detail(batch_id: int):
    batch = get_batch_or_404(batch_id)
    return web.render_page("invites/batch_detail.html", "invites/_batch_progress.html", **_detail_ctx(batch))


@bp.post("/invites/batch/<int:batch_id>/send")
def batch_send(batch_id: int):
    """Sends only when confirmed with the exact number of invitations the preview showed."""
    batch = get_batch_or_404(batch_id)
    if batch.status == "preview":
        count = batch_service.preview(batch)["count"]
        if not count:
            return web.with_toast(render_template("invites/_batch_progress.html", **_detail_ctx(batch)),
                                  gettext("Nothing was sent: every row of this file is skipped (the reasons are in "
                                          "the table). Fix the file and upload it again."), "error", status=422)
        confirmed = request.form.get("confirmed") == "1"
        if not confirmed or request.form.get("expected") != str(count):
            return web.with_toast(render_template("invites/_batch_progress.html", **_detail_ctx(batch, changed=True)),
                                  ngettext("Nothing was sent: confirm the %(num)s invitation shown.",
                                           "Nothing was sent: confirm the %(num)s invitations shown.", count),
                                  "warn", status=409)
        send_batch_task(batch.id)
    return web.hx_redirect(url_for("invites.batch_detail", batch_id=batch.id))
