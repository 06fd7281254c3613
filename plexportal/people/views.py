"""The People page (everyone, with where they are known from and their access), a person's page
with their timeline, and merging two rows by hand."""
from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user

from plexportal import web
from plexportal.auth.models import User
from plexportal.people import directory, identity, timeline

bp = Blueprint("people", __name__, url_prefix="/people")


def get_person_or_404(user_id: int) -> User:
    return User.get_or_none(User.id == user_id) or abort(404)


@bp.get("/")
def index():
    show = request.args.get("show", "all")
    if show not in dict(directory.FILTERS):
        show = "all"
    q = (request.args.get("q") or "").strip()[:100]
    page = web.int_arg("page", 1, minimum=1)
    found = directory.directory(show, q, page)
    return web.render_page("people/index.html", "people/_list.html", d=found, show=show, q=q,
                           filters=directory.FILTERS, labels=directory.SOURCE_LABELS)


def _access_rows(user: User) -> list:
    from plexportal.invites.models import Access
    return list(Access.select().where(Access.user == user.id).order_by(Access.joined_at))


def _waiting(user: User):
    """The invite use still waiting (to be approved, shared or accepted), newest first."""
    from plexportal.invites.models import Redemption
    return (Redemption.select().where((Redemption.user == user.id) & Redemption.state.in_(directory.WAITING))
            .order_by(Redemption.created_at.desc()).first())


@bp.get("/<int:user_id>")
def detail(user_id: int):
    from plexportal.invites import service as invites

    user = get_person_or_404(user_id)
    standing = directory.standings([user.id])[user.id]
    return web.render_page(
        "people/detail.html", person=user, standing=standing, emails=directory.emails_of(user),
        neighbours=directory.same_email(user), entries=timeline.timeline(user), access=_access_rows(user),
        waiting=_waiting(user), titles=invites.library_titles, labels=directory.SOURCE_LABELS)


def _other_from(text: str) -> User | None:
    text = (text or "").strip().lstrip("#")
    if text.isdigit() and len(text) < 10:
        return User.get_or_none(User.id == int(text))
    email = identity.normal_email(text)
    if email:
        found = list(User.select().where(User.email == email).limit(2))
        return found[0] if len(found) == 1 else None
    return None


@bp.post("/<int:user_id>/merge")
def merge(user_id: int):
    keep = get_person_or_404(user_id)
    other = _other_from(request.form.get("other", ""))
    if other is None:
        return web.with_toast("", "No single person matches that number or email: type the number shown as #… on "
                              "their page.", "error", status=422)
    try:
        survivor, message = identity.merge(keep, other, actor=current_user)
    except identity.MergeRefused as err:
        return web.with_toast("", str(err), "error", status=422)
    flash(message, "ok")
    return web.hx_redirect(url_for("people.detail", user_id=survivor.id))
