"""The Users page: everyone with access (synced from plex.tv) joined with plexportal's records,
and the actions on them: libraries/permissions, suspend, restore, remove, extend."""
from __future__ import annotations

from flask import abort, current_app, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user

from plexportal import web
from plexportal.gateways.base import GatewayError
from plexportal.invites import access as access_service
from plexportal.invites import forms, provisioning, service
from plexportal.invites.models import Access
from plexportal.invites.views import bp

FILTERS = {"all": None, "active": ["active"], "suspended": ["suspended"], "ended": ["removed", "expired"]}


def get_access_or_404(access_id: int) -> Access:
    return Access.get_or_none(Access.id == access_id) or abort(404)


def _detail_url(access: Access) -> str | None:
    """The notify area's user page, when that area is installed."""
    if not access.user_id:
        return None
    for endpoint in ("notify.user_detail", "notify.user_page"):
        if endpoint in current_app.view_functions:
            return url_for(endpoint, user_id=access.user_id)
    return None


@bp.get("/users")
def users():
    show = request.args.get("show", "active")
    query = Access.select().order_by(Access.status, Access.title)
    if FILTERS.get(show):
        query = query.where(Access.status.in_(FILTERS[show]))
    rows = list(query)
    counts = {name: (Access.select().where(Access.status.in_(states)).count() if states else Access.select().count())
              for name, states in FILTERS.items()}
    return web.render_page("invites/users.html", rows=rows, show=show, counts=counts, titles=service.library_titles,
                           detail_url=_detail_url, plex=provisioning.plex_state())


@bp.post("/users/sync")
def users_sync():
    try:
        result = access_service.sync()
    except GatewayError as err:
        return web.with_toast("", gettext("Could not read the users from plex.tv: %(error)s", error=err.message), "error")
    response = web.with_toast("", ngettext("Synced %(num)s person from plex.tv.", "Synced %(num)s people from plex.tv.",
                                           result["users"]))
    response.headers["HX-Refresh"] = "true"
    return response


@bp.get("/users/<int:access_id>")
def user_detail(access_id: int):
    access = get_access_or_404(access_id)
    return web.render_page("invites/user.html", a=access, libraries=service.libraries(), errors={},
                           titles=service.library_titles, detail_url=_detail_url(access))


@bp.post("/users/<int:access_id>")
def user_update(access_id: int):
    access = get_access_or_404(access_id)
    if access.status == "active" and access.pending:
        # The invite's terms hold until the share is accepted; a form posted now would replace them.
        return web.with_toast("", gettext("Waiting for them to accept the share on Plex: its libraries and permissions "
                                          "can be changed once they have."), "error", status=409)
    errors: dict = {}
    values = forms.terms(request.form, errors)
    values.pop("access_days", None)
    values.pop("home", None)                 # Home vs friend is decided when someone joins
    if errors:
        return web.render_page("invites/user.html", "invites/_user_terms.html", status=422, a=access,
                               libraries=service.libraries(), errors=errors)
    try:
        access_service.update_terms(access, values, actor=current_user)
    except GatewayError as err:
        return web.with_toast(_terms(access), gettext("plex.tv did not take the change: %(error)s", error=err.message),
                              "error")
    return web.with_toast(_terms(get_access_or_404(access_id)), gettext("Saved on plex.tv."))


def _terms(access: Access) -> str:
    return render_template("invites/_user_terms.html", a=access, libraries=service.libraries(), errors={})


@bp.post("/users/<int:access_id>/<action>")
def user_action(access_id: int, action: str):
    access = get_access_or_404(access_id)
    try:
        if action == "suspend":
            access_service.suspend(access, actor=current_user)
            message = gettext("Suspended: the share is removed; everything is kept for a restore.")
        elif action == "restore":
            access_service.restore(access, actor=current_user)
            message = gettext("Restored: Plex sends them a new invitation to accept.")
        elif action == "remove":
            access_service.remove(access, actor=current_user)
            message = gettext("Removed from the server.")
        elif action == "extend":
            raw = (request.form.get("days") or "").strip()
            if raw == "never":
                days = None
            else:
                try:
                    days = int(raw)
                    if not 1 <= days <= 3650:
                        raise ValueError
                except ValueError:
                    return web.with_toast("", gettext("Choose how many days to add."), "error")
            access_service.extend(access, days, actor=current_user)
            message = (gettext("Access now never ends.") if days is None
                       else gettext("Extended by %(days)s days.", days=days))
        else:
            abort(404)
    except GatewayError as err:
        return web.with_toast("", gettext("plex.tv did not take the change: %(error)s", error=err.message), "error")
    response = web.with_toast("", message)
    response.headers["HX-Refresh"] = "true"
    return response
