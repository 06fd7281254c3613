"""A user's own page (signed link, no password) and the admin's view of the same page, plus
one-click unsubscribe. Every route exists twice: /notify/u/<token>/… for the user and
/notify/users/<id>/… for a signed-in admin; both resolve to (user, admin) in _subject()."""
from __future__ import annotations

import logging

from flask import abort, make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from plexportal import areas, i18n, web
from plexportal.admin import audit
from plexportal.auth.models import User
from plexportal.extensions import csrf, limiter
from plexportal.notify import channels, events, links, prefs, service
from plexportal.notify.models import Channel, Notification
from plexportal.notify.views import MAX_ID, bp

log = logging.getLogger(__name__)


def link_gone():
    """What a person sees when their link no longer works: why, and how to get a new one."""
    response = make_response(render_template("notify/link_gone.html"), 404)
    if web.is_htmx():                   # the whole page moves: the link cannot be used any more
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url_for("notify.link_gone_page")
    response.headers["Cache-Control"] = "no-store"
    return response


def _subject(token: str | None, user_id: int | None):
    if token is not None:
        user = links.user_from_token(token)
        if user is None:
            abort(link_gone())
        i18n.use_person(user)
        return user, False
    if user_id is None:                              # /notify/me: the person signed in with Plex
        person = links.signed_in_person()
        if person is None:
            abort(redirect(url_for("admin.dashboard") if current_user.is_authenticated
                           else url_for("auth.login", next=request.path)))
        i18n.use_person(person)
        return person, False
    if not (current_user.is_authenticated and current_user.is_admin):
        abort(redirect(url_for("auth.login", next=request.path)))
    user = User.get_or_none(User.id == user_id) if user_id <= MAX_ID else None
    if user is None:
        abort(404)
    i18n.use_admin()
    return user, True


def both(rule: str, **options):
    """Register a view under the user's token URL, the admin's user-id URL, and /notify/me for a
    person signed in (Sign in with Plex)."""
    def register(view):
        view = web.user_view(view)
        bp.add_url_rule(f"/u/<token>{rule}", view.__name__, view, **options)
        bp.add_url_rule(f"/users/<int:user_id>{rule}", view.__name__, view, **options)
        bp.add_url_rule(f"/me{rule}", view.__name__, view, **options)     # signed in with Plex
        return view
    return register


def _ref(user, token, admin) -> dict:
    """url_for arguments that lead back to the same page (user id, token, or none for /notify/me)."""
    if admin:
        return {"user_id": user.id}
    return {"token": token} if token else {}


def _sections(user, admin: bool) -> list[dict]:
    out = []
    for area in areas.all_areas():
        for make in area.profile_sections:
            try:
                section = make(user, admin=admin)
            except Exception:  # one area's bug must not take the whole page down
                log.exception("profile section %s of %s failed", make.__name__, area.name)
                continue
            if section:
                out.append(section)
    return out


def _context(user, token, admin, **extra) -> dict:
    p = prefs.get(user)
    rows = channels.channels_for(user)
    return dict(user=user, admin=admin, ref=_ref(user, token, admin), prefs=p, events=events.all_events(),
                channels=rows, wanted=events.wanted, sections=_sections(user, admin),
                help=channels.USER_SCHEMES, add_error=extra.pop("add_error", None),
                add_values=extra.pop("add_values", {}), default_language=i18n.server_default(), **extra)


@both("")
def user_page(token=None, user_id=None):
    user, admin = _subject(token, user_id)
    return render_template("notify/user_page.html", **_context(user, token, admin))


@both("/language", methods=["POST"])
def language(token=None, user_id=None):
    """The person's language for their messages and their pages (empty: automatic)."""
    user, admin = _subject(token, user_id)
    chosen = request.form.get("language", "")
    if chosen and chosen not in i18n.LANGUAGES:          # only what the page offers
        abort(400)
    User.update(language=chosen).where(User.id == user.id).execute()
    if admin:
        audit.record("notify.prefs", f"Set the language of {user.name} to {chosen or 'automatic'}")
    # The whole page changes language: load it again.
    return web.hx_redirect(url_for("notify.user_page", **_ref(user, token, admin)))


def _choices(prefix: str) -> dict[str, bool]:
    return {e.key: bool(request.form.get(f"{prefix}{e.key}")) for e in events.all_events()}


@both("/email", methods=["POST"])
def email_prefs(token=None, user_id=None):
    user, admin = _subject(token, user_id)
    action = request.form.get("action", "save")
    if action == "unsubscribe":
        prefs.unsubscribe(user)
        message = gettext("Unsubscribed: no more email from us.")
    elif action == "resubscribe":
        prefs.resubscribe(user)
        message = gettext("Email is on again.")
    else:
        prefs.set_email_events(user, _choices("ev-"))
        message = gettext("Email choices saved.")
    if admin:
        audit.record("notify.prefs", f"Changed email choices of {user.name}")
    html = render_template("notify/_email_section.html", **_context(user, token, admin))
    return web.with_toast(html, message)


@both("/channels", methods=["POST"])
@limiter.limit("20 per minute")
def add_channel(token=None, user_id=None):
    user, admin = _subject(token, user_id)
    url, label = request.form.get("url", ""), request.form.get("label", "")
    try:
        channel = channels.add_channel(user, url, label, admin=admin, admin_alerts=bool(request.form.get("admin_alerts")))
    except channels.ChannelError as err:
        html = render_template("notify/_channels_section.html",
                               **_context(user, token, admin, add_error=str(err), add_values={"label": label}))
        return web.with_toast(html, gettext("Not added: see the message under the URL."), "error", status=422)
    if admin:
        audit.record("notify.channel", f"Added a {channel.service} destination for {user.name}")
    html = render_template("notify/_channels_section.html", **_context(user, token, admin))
    return web.with_toast(html, f"{channel.service} added. Press “Send me a test” to check it.")


def _channel_or_404(user, channel_id: int) -> Channel:
    channel = Channel.get_or_none((Channel.id == channel_id) & (Channel.user == user)) if channel_id <= MAX_ID else None
    if channel is None:
        abort(404)
    return channel


@both("/channels/<int:channel_id>/delete", methods=["POST"])
def remove_channel(channel_id, token=None, user_id=None):
    user, admin = _subject(token, user_id)
    channel = _channel_or_404(user, channel_id)
    channels.remove_channel(user, channel.id)
    html = render_template("notify/_channels_section.html", **_context(user, token, admin))
    return web.with_toast(html, f"{channel.label} removed.")


@both("/channels/<int:channel_id>/events", methods=["POST"])
def channel_events(channel_id, token=None, user_id=None):
    user, _admin = _subject(token, user_id)
    channel = _channel_or_404(user, channel_id)
    channels.set_channel_events(channel, _choices(f"ch{channel.id}-"))
    return web.with_toast("", gettext("Choices for %(name)s saved.", name=channel.label))


@both("/test", methods=["POST"])
@limiter.limit("6 per minute")
def send_test(token=None, user_id=None):
    user, admin = _subject(token, user_id)
    target = request.form.get("target", "email")
    try:
        row = service.queue_user_test(user, target)
    except ValueError as err:
        return web.with_toast("", str(err), "error")
    return render_template("notify/_test_status.html", row=row, ref=_ref(user, token, admin), admin=admin)


@both("/test/<int:notification_id>")
def test_status(notification_id, token=None, user_id=None):
    user, admin = _subject(token, user_id)
    row = (Notification.get_or_none((Notification.id == notification_id) & (Notification.user == user))
           if notification_id <= MAX_ID else None)
    if row is None:
        abort(404)
    return render_template("notify/_test_status.html", row=row, ref=_ref(user, token, admin), admin=admin)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit("30 per minute")
@web.public
def unsubscribe(token):
    """GET shows a confirm button (mail scanners follow links); POST is RFC 8058 one-click."""
    user = links.user_from_token(token, links.UNSUBSCRIBE_SALT)
    if user is None:
        return render_template("notify/unsubscribe.html", user=None), 404
    i18n.use_person(user)
    if request.method == "POST":
        prefs.unsubscribe(user)
        return render_template("notify/unsubscribed.html", user=user)
    return render_template("notify/unsubscribe.html", user=user, token=token)


# -- ending links -----------------------------------------------------------------------------------

@bp.get("/link-gone")
@web.public
def link_gone_page():
    return link_gone()


@bp.post("/u/<token>/sign-out")
@bp.post("/me/sign-out")
@limiter.limit("6 per minute")
@web.user_view
def sign_out_everywhere(token=None):
    """The person ends every link to their page (this one too); a new one goes to their email."""
    user, _ = _subject(token, None)
    links.revoke(user)
    sent_to = ""
    if user.email:
        service.queue_new_link(user)
        sent_to = user.email
    return web.hx_redirect(url_for("notify.signed_out", sent="1" if sent_to else "0"))


@bp.get("/signed-out")
@web.public
def signed_out():
    return render_template("notify/signed_out.html", sent=request.args.get("sent") == "1")


@bp.post("/users/<int:user_id>/new-link")
def new_link(user_id):
    """The admin ends every link to a person's page and gets a new one to hand over."""
    user, _ = _subject(None, user_id)
    links.revoke(user)
    audit.record("notify.new_link", f"Made a new page link for {user.name}; earlier links stopped working")
    html = render_template("notify/_new_link.html", user=user, url=links.user_page_url(user))
    return web.with_toast(html, f"Every earlier link to {user.name}'s page stopped working.")
