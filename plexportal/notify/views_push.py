"""Installing the page and Web Push: the web app manifests, the service worker, the offline page,
and subscribing a browser (a person from their own page, an admin from their session)."""
from __future__ import annotations

from flask import abort, current_app, make_response, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from plexportal import web
from plexportal.admin import audit
from plexportal.extensions import limiter
from plexportal.notify import events, links, push
from plexportal.notify.views import bp
from plexportal.notify.views_user import _ref, _subject, both

THEME = "#e5a00d"          # UI.md's accent
BACKGROUND = "#1f1f1f"     # the icon's tile


def _manifest(start_url: str, scope: str, app_id: str):
    from plexportal.settings import service as settings

    name = settings.get("SERVER_NAME") or "plexportal"
    icon = lambda f: url_for("static", filename=f"icons/{f}")
    doc = {
        "name": name, "short_name": name[:12], "id": app_id, "start_url": start_url, "scope": scope,
        "display": "standalone", "theme_color": THEME, "background_color": BACKGROUND,
        "icons": [
            {"src": icon("icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": icon("icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": icon("icon-maskable-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
        ],
    }
    response = current_app.response_class(current_app.json.dumps(doc), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-store"
    return response


@both("/manifest.webmanifest")
def user_manifest(token=None, user_id=None):
    """The person's page as an app: it opens on their own page (the link they installed from)."""
    user, admin = _subject(token, user_id)
    if admin:
        return admin_manifest()
    start = url_for("notify.user_page", **_ref(user, token, admin))
    return _manifest(start, url_for("notify.offline").rsplit("/", 1)[0] + "/", start)


@bp.get("/app.webmanifest")
def admin_manifest():
    """The dashboard as an app, for the admin (the page asks with credentials)."""
    return _manifest(url_for("admin.dashboard"), "/", "/")


@bp.get("/sw.js")
@web.public
def service_worker():
    """Served under /notify/ but allowed the whole site, so it controls a person's page and the
    admin's pages alike."""
    from plexportal.settings import service as settings

    static = lambda f: url_for("static", filename=f)
    files = [url_for("notify.offline"), static("vendor/pico-2.1.1.amber.min.css"), static("app.css"),
             static("vendor/htmx-2.0.4.js"), static("app.js"), static("push.js"), static("favicon.svg"),
             static("icons/icon-192.png")]
    body = render_template("notify/sw.js", files=files, offline=url_for("notify.offline"),
                           icon=static("icons/icon-192.png"), name=settings.get("SERVER_NAME") or "plexportal")
    response = make_response(body)
    response.mimetype = "text/javascript"
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline")
@web.public
def offline():
    """What an installed page shows when the phone is offline (cached by the service worker)."""
    return render_template("notify/offline.html")


# -- a person's devices ------------------------------------------------------------------------

def _device() -> str:
    agent = request.user_agent.string or ""
    browser = next((b for b in ("Edg", "Firefox", "Chrome", "Safari") if b in agent), "")
    system = next((s for s in ("Android", "iPhone", "iPad", "Windows", "Mac OS", "Linux") if s in agent), "")
    names = {"Edg": "Edge", "Mac OS": "Mac"}
    browser, system = names.get(browser, browser), names.get(system, system)
    return f"{browser} on {system}" if browser and system else (browser or system or "A browser")


def push_context(user, token, admin) -> dict:
    return dict(template="notify/_push_section.html", ref=_ref(user, token, admin), events=events.all_events(),
                push_events=push.push_events(user), devices=push.subscriptions_for(user), key=push.public_key())


def section(user, *, admin: bool) -> dict:
    """The push card on a person's page (a profile section): their devices and push choices."""
    token = None if admin else (links.request_token() or None)
    return push_context(user, token, admin)


def _section(user, token, admin, message: str = "", kind: str = "ok", status: int = 200):
    html = render_template("notify/_push_section.html", section=push_context(user, token, admin), user=user,
                           admin=admin, wanted=events.wanted)
    return web.with_toast(html, message, kind, status=status) if message else html


@both("/push", methods=["POST"])
@limiter.limit("20 per minute")
def push_subscribe(token=None, user_id=None):
    user, admin = _subject(token, user_id)
    if admin:
        abort(403)          # the admin's browser must not receive this person's messages
    data = request.get_json(silent=True) or {}
    try:
        push.subscribe(user, data.get("subscription"), device=_device())
    except push.PushError as err:
        return _section(user, token, admin, gettext("Push not turned on: %(error)s", error=str(err)), "error", 422)
    return _section(user, token, admin, gettext("Push is on for this device."))


@both("/push/delete", methods=["POST"])
@limiter.limit("20 per minute")
def push_unsubscribe(token=None, user_id=None):
    user, admin = _subject(token, user_id)
    data = request.get_json(silent=True) or {}
    endpoint = data.get("endpoint") or request.form.get("endpoint", "")
    device_id = request.form.get("device", "")
    if device_id.isdecimal() and len(device_id) < 10:
        from plexportal.notify.models import PushSubscription

        row = PushSubscription.get_or_none((PushSubscription.id == int(device_id)) & (PushSubscription.user == user))
        endpoint = row.endpoint if row else endpoint
    push.unsubscribe(user, str(endpoint))
    if admin:
        audit.record("notify.push", f"Turned push off on a device of {user.name}")
    return _section(user, token, admin, gettext("Push is off for that device."))


@both("/push/events", methods=["POST"])
def push_event_choices(token=None, user_id=None):
    user, _admin = _subject(token, user_id)
    push.set_push_events(user, {e.key: bool(request.form.get(f"push-{e.key}")) for e in events.all_events()})
    return web.with_toast("", gettext("Push choices saved."))


# -- an admin's devices (admin alerts) --------------------------------------------------------

def admin_push_context() -> dict:
    return dict(devices=push.subscriptions_for(current_user.id, admin_alerts=True), key=push.public_key())


@bp.app_template_global("admin_push_devices")
def admin_push_devices() -> dict:
    return admin_push_context()


def _admin_section(message: str = "", kind: str = "ok", status: int = 200):
    html = render_template("notify/_push_admin.html", push_admin=admin_push_context())
    return web.with_toast(html, message, kind, status=status) if message else html


@bp.post("/push/admin")
@limiter.limit("20 per minute")
def admin_push_subscribe():
    data = request.get_json(silent=True) or {}
    try:
        push.subscribe(current_user, data.get("subscription"), admin_alerts=True, device=_device())
    except push.PushError as err:
        return _admin_section(gettext("Push not turned on: %(error)s", error=str(err)), "error", 422)
    audit.record("notify.push", "Turned on admin alerts by push on a device")
    return _admin_section("Admin alerts will come to this device.")


@bp.post("/push/admin/delete")
@limiter.limit("20 per minute")
def admin_push_unsubscribe():
    data = request.get_json(silent=True) or {}
    endpoint = str(data.get("endpoint") or "")
    device_id = request.form.get("device", "")
    if device_id.isdecimal() and len(device_id) < 10:
        from plexportal.notify.models import PushSubscription

        row = PushSubscription.get_or_none((PushSubscription.id == int(device_id))
                                           & (PushSubscription.user == current_user.id))
        endpoint = row.endpoint if row else endpoint
    push.unsubscribe(current_user.id, endpoint)
    return _admin_section("Admin alerts stopped for that device.")
