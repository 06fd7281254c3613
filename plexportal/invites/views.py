"""Invites admin pages: links, presets, redemptions (approve/decline/retry), libraries, QR codes.
The public join pages are in join.py, the Users page in people.py, CSV batches in batch_views.py."""
from __future__ import annotations

import io

import segno
from flask import Blueprint, abort, make_response, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user

from plexportal import web
from plexportal.gateways.base import GatewayError
from plexportal.i18n import said
from plexportal.invites import forms, provisioning, service
from plexportal.invites.models import Invite, Preset, Redemption

bp = Blueprint("invites", __name__)


def get_invite_or_404(invite_id: int) -> Invite:
    return Invite.get_or_none(Invite.id == invite_id) or abort(404)


def get_preset_or_404(preset_id: int) -> Preset:
    return Preset.get_or_none(Preset.id == preset_id) or abort(404)


def get_redemption_or_404(redemption_id: int) -> Redemption:
    return Redemption.get_or_none(Redemption.id == redemption_id) or abort(404)


def _preset_summary(preset: Preset) -> str:
    """What a preset gives, for its line in the list: "Movies, TV Shows · downloads · 90 days"."""
    parts = [", ".join(service.library_titles(preset.libraries)) if preset.libraries else gettext("every library")]
    if preset.home:
        parts.append(gettext("Plex Home"))
    if preset.allow_sync:
        parts.append(gettext("downloads"))
    if preset.access_days:
        parts.append(gettext("%(days)s days", days=preset.access_days))
    return " · ".join(parts)


def _form_ctx(**ctx):
    ctx.setdefault("titles_of", _preset_summary)
    ctx.setdefault("libraries", service.libraries())
    ctx.setdefault("presets", list(Preset.select().order_by(Preset.name)))
    ctx.setdefault("errors", {})
    return ctx


@bp.get("/invites")
def index():
    invites = list(Invite.select().order_by(Invite.created_at.desc()))
    waiting = list(Redemption.select().where(Redemption.state == "awaiting_approval").order_by(Redemption.created_at))
    recent = list(Redemption.select().order_by(Redemption.created_at.desc()).limit(20))
    return web.render_page("invites/index.html", invites=invites, waiting=waiting, recent=recent,
                           status_of=service.invite_status, titles=service.library_titles,
                           plex=provisioning.plex_state(), presets=list(Preset.select().order_by(Preset.name)))


@bp.get("/invites/new")
def new():
    preset = (Preset.get_or_none(Preset.id == web.int_arg("preset", 0))
              if request.args.get("preset") else None)
    draft = service.terms_of(preset) if preset else {"libraries": [], "home": False}
    return web.render_page("invites/new.html", **_form_ctx(invite=None, draft=draft, preset=preset, form={}))


@bp.post("/invites/new")
def create():
    values, errors = forms.invite(request.form)
    if not errors:
        code = values.pop("_code", None)
        try:
            invite = service.create_invite(values, code=code, actor=current_user)
        except ValueError as err:
            errors["code"] = said(err)
        else:
            return web.hx_redirect(url_for("invites.detail", invite_id=invite.id, created=1))
    return web.render_page("invites/new.html", "invites/_invite_form.html", status=422,
                           **_form_ctx(invite=None, draft=values, preset=None, form=request.form, errors=errors))


@bp.get("/invites/<int:invite_id>")
def detail(invite_id: int):
    invite = get_invite_or_404(invite_id)
    redemptions = list(invite.redemptions.order_by(Redemption.created_at.desc()))
    return web.render_page("invites/detail.html", **_form_ctx(
        invite=invite, draft=service.terms_of(invite), form={}, link=service.join_url(invite),
        invite_state=service.invite_status(invite), redemptions=redemptions, created=request.args.get("created"),
        expires_text=forms.expiry_text(invite.expires_at)))


@bp.post("/invites/<int:invite_id>")
def update(invite_id: int):
    invite = get_invite_or_404(invite_id)
    values, errors = forms.invite(request.form)
    values.pop("_code", None)
    errors.pop("code", None)
    if errors:
        return web.render_page("invites/detail.html", "invites/_invite_form.html", status=422, **_form_ctx(
            invite=invite, draft=values, form=request.form, errors=errors, expires_text=request.form.get("expires", "")))
    service.update_invite(invite, values, actor=current_user)
    return web.with_toast(_render_form(invite), gettext("Invite saved."))


def _render_form(invite: Invite) -> str:
    from flask import render_template

    return render_template("invites/_invite_form.html", **_form_ctx(
        invite=invite, draft=service.terms_of(invite), form={}, expires_text=forms.expiry_text(invite.expires_at)))


@bp.post("/invites/<int:invite_id>/toggle")
def toggle(invite_id: int):
    invite = get_invite_or_404(invite_id)
    service.set_enabled(invite, not invite.enabled, actor=current_user)
    # Back to the invite's page, where the button is (a browser's Referer is absolute, so it never
    # passed the relative-path check and the admin always landed on the list).
    return web.hx_redirect(url_for("invites.detail", invite_id=invite.id))


@bp.post("/invites/<int:invite_id>/delete")
def delete(invite_id: int):
    service.delete_invite(get_invite_or_404(invite_id), actor=current_user)
    return web.hx_redirect(url_for("invites.index"))


@bp.get("/invites/<int:invite_id>/qr.svg")
def qr(invite_id: int):
    invite = get_invite_or_404(invite_id)
    out = io.BytesIO()
    segno.make(service.join_url(invite), error="m").save(out, kind="svg", scale=6, border=2, dark="#111111",
                                                          light="#ffffff", xmldecl=False)
    response = make_response(out.getvalue())
    response.headers["Content-Type"] = "image/svg+xml"
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


# -- presets -----------------------------------------------------------------------------------------

@bp.get("/invites/presets")
def presets():
    return web.render_page("invites/presets.html", **_form_ctx(items=list(Preset.select().order_by(Preset.name)),
                                                                draft={"libraries": []}, form={}, edit=None))


@bp.post("/invites/presets")
def preset_create():
    values, errors = forms.preset(request.form)
    if not errors and service.get_preset_by_name(values["name"]):
        errors["name"] = gettext("A preset with that name exists already.")
    if errors:
        return web.render_page("invites/presets.html", "invites/_preset_form.html", status=422, **_form_ctx(
            items=list(Preset.select().order_by(Preset.name)), draft=values, form=request.form, errors=errors, edit=None))
    service.save_preset(values, actor=current_user)
    return web.hx_redirect(url_for("invites.presets"))


@bp.post("/invites/presets/<int:preset_id>")
def preset_update(preset_id: int):
    preset = get_preset_or_404(preset_id)
    values, errors = forms.preset(request.form)
    other = service.get_preset_by_name(values.get("name", ""))
    if not errors and other is not None and other.id != preset.id:
        errors["name"] = gettext("A preset with that name exists already.")
    if errors:
        return web.render_page("invites/presets.html", "invites/_preset_form.html", status=422, **_form_ctx(
            items=list(Preset.select().order_by(Preset.name)), draft=values, form=request.form, errors=errors, edit=preset))
    service.save_preset(values, preset, actor=current_user)
    return web.hx_redirect(url_for("invites.presets"))


@bp.post("/invites/presets/<int:preset_id>/delete")
def preset_delete(preset_id: int):
    service.delete_preset(get_preset_or_404(preset_id), actor=current_user)
    return web.hx_redirect(url_for("invites.presets"))


# -- redemptions and libraries -------------------------------------------------------------------------

@bp.post("/invites/redemptions/<int:redemption_id>/<action>")
def redemption_action(redemption_id: int, action: str):
    redemption = get_redemption_or_404(redemption_id)
    actions = {"approve": (service.approve, gettext("Approved; sharing the server now.")),
               "decline": (service.decline, gettext("Declined; they will get an email.")),
               "retry": (provisioning.retry, gettext("Retrying now."))}
    if action not in actions:
        abort(404)
    fn, message = actions[action]
    done = fn(redemption, actor=current_user)
    from flask import render_template

    row = render_template("invites/_redemption_row.html", r=Redemption.get_by_id(redemption.id))
    return web.with_toast(row, message if done else gettext("Nothing to do: it changed in the meantime."),
                          "ok" if done else "warn")


@bp.post("/invites/libraries/refresh")
def refresh_libraries():
    try:
        libs = provisioning.refresh_libraries()
    except GatewayError as err:
        return web.with_toast("", gettext("Could not read the libraries: %(error)s", error=err.message), "error")
    return web.with_toast("", ngettext("Found %(num)s library.", "Found %(num)s libraries.", len(libs)))


@bp.post("/invites/plex/check")
def check_plex():
    ok, message = provisioning.check_token()
    return web.with_toast("", message, "ok" if ok else "error")
