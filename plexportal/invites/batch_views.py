"""CSV batch invitations: upload, preview, send, and per-row progress (polled)."""
from __future__ import annotations

from flask import abort, request, url_for
from flask_login import current_user

from plexportal import web
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
        error = "Choose a CSV file to upload."
    else:
        try:
            batch = batch_service.create(upload.filename, upload.read(), actor=current_user)
        except ValueError as err:
            error = str(err)
        else:
            return web.hx_redirect(url_for("invites.batch_detail", batch_id=batch.id))
    batches = list(Batch.select().order_by(Batch.created_at.desc()).limit(20))
    return web.render_page("invites/batch.html", "invites/_batch_upload.html", status=422, batches=batches, error=error)


@bp.get("/invites/batch/<int:batch_id>")
def batch_detail(batch_id: int):
    batch = get_batch_or_404(batch_id)
    return web.render_page("invites/batch_detail.html", "invites/_batch_progress.html", batch=batch,
                           p=batch_service.progress(batch))


@bp.post("/invites/batch/<int:batch_id>/send")
def batch_send(batch_id: int):
    batch = get_batch_or_404(batch_id)

    if batch.status == "preview":
        send_batch_task(batch.id)
    return web.hx_redirect(url_for("invites.batch_detail", batch_id=batch.id))
