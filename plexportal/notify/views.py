"""Notify pages: the outbox (admin), and (views_user) a user's own page and unsubscribe."""
from __future__ import annotations

from flask import Blueprint, abort, has_request_context, render_template, request, url_for
from markupsafe import Markup

from plexportal import web
from plexportal.admin import audit
from plexportal.extensions import limiter
from plexportal.notify import mailserver, outbox, service
from plexportal.notify.models import Notification

bp = Blueprint("notify", __name__, url_prefix="/notify")


@bp.app_template_filter("kind_label")
def kind_label(kind: str) -> str:
    from plexportal.notify import events

    return events.kind_label(kind)


@bp.get("/")
def notifications():
    f = outbox.Filters.from_args(request.args)
    number = web.int_arg("page", 1, minimum=1, maximum=1_000_000)
    rows, has_more = outbox.page(f, number)
    ctx = dict(rows=rows, has_more=has_more, page_number=number, f=f, kinds=outbox.kinds(), counts=outbox.counts(),
               users=outbox.users_with_messages(), label=outbox.destination_label, mail_down=mailserver.status(),
               count_label=outbox.count_label, nobody=outbox.NOBODY,
               more_url=url_for("notify.notifications", page=number + 1, **f.as_args()))
    return web.render_page("notify/notifications.html", "notify/_rows.html", **ctx)


MAX_ID = 2 ** 31 - 1      # larger ids in a URL are not ours (and PostgreSQL would refuse them)


def _row_or_404(nid: int) -> Notification:
    row = Notification.get_or_none(Notification.id == nid) if nid <= MAX_ID else None
    if row is None:
        abort(404)
    return row


@bp.get("/<int:nid>/attempts")
def attempts(nid):
    row = _row_or_404(nid)
    return render_template("notify/_attempts.html", n=row, attempts=outbox.attempts(row))


def _row_response(nid: int, message: str, ok: bool):
    row = _row_or_404(nid)
    html = render_template("notify/_row.html", n=row, label=outbox.destination_label)
    return web.with_toast(html, message, "ok" if ok else "warn")


@bp.post("/<int:nid>/resend")
def resend(nid):
    _row_or_404(nid)
    ok = service.resend(nid)
    if ok:
        audit.record("notify.resend", f"Resent notification {nid}")
    return _row_response(nid, "Queued to send again." if ok else "Only failed or cancelled messages can be resent.", ok)


@bp.post("/<int:nid>/cancel")
def cancel(nid):
    _row_or_404(nid)
    ok = service.cancel(nid)
    if ok:
        audit.record("notify.cancel", f"Cancelled notification {nid}")
    return _row_response(nid, "Cancelled: it will not be sent." if ok else "Too late: it is being sent or was sent.", ok)


@bp.post("/test-email")
@limiter.limit("10 per minute")
def test_email():
    to = (request.form.get("to") or "").strip()
    try:
        row = service.queue_test_email(to)
    except ValueError as err:
        return web.with_toast("", str(err), "error", status=422)
    html = render_template("notify/_test_email_result.html", row=Notification.get_by_id(row.id))
    return web.with_toast(html, f"Test email queued for {to}.")


@bp.get("/test-email/<int:nid>")
def test_email_status(nid):
    return render_template("notify/_test_email_result.html", row=_row_or_404(nid))





class _SettingsExtras:
    """`group_extras` for the settings page (settings/_group.html renders group_extras[name] under a
    group): a "Send test email" form under Email. Rendered only when the template asks for it."""

    def get(self, name, default=None):
        if name != "Email":
            return default
        return Markup(render_template("notify/_settings_email_extra.html"))  # nosec B704 # autoescaped template

    def __getitem__(self, name):
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value


@bp.app_context_processor
def settings_group_extras():
    if has_request_context() and request.blueprint == "settings":
        return {"group_extras": _SettingsExtras()}
    return {}
