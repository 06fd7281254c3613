"""The account page (sign-in methods, linked accounts, sessions, recent sign-ins) and the Admins page."""
from __future__ import annotations

import hashlib

from flask import Response, abort, jsonify, render_template, request, session, url_for
from flask_login import current_user

from plexportal import web
from plexportal.admin import audit
from plexportal.auth import oidc, passkeys, plex, service, signin, totp
from plexportal.auth.models import Passkey, User
from plexportal.auth.views import bp, methods

MAX_ID = 2**31 - 1


def session_handle(sid: str) -> str:
    """What a page may show for a session: never its id (that is the cookie's secret)."""
    return hashlib.sha256(sid.encode()).hexdigest()[:16]


_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
             ("Chromium/", "Chromium"), ("Safari/", "Safari"))
_SYSTEMS = (("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def device(user_agent: str) -> str:
    """'Chrome on Android' from a User-Agent, for the sessions list (the full text is in a tooltip)."""
    ua = user_agent or ""
    browser = next((name for mark, name in _BROWSERS if mark in ua), "")
    system = next((name for mark, name in _SYSTEMS if mark in ua), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or (ua[:40] or "unknown device")


def _context(user: User, **extra) -> dict:
    current = session.get("_user_id")
    offered = methods()
    rows = [{"s": s, "handle": session_handle(s.id), "current": s.id == current, "how": signin.describe(s.method),
             "device": device(s.user_agent)} for s in service.sessions_of(user)]
    return dict(user=user, has_totp=totp.is_enabled(user), codes_left=totp.recovery_codes_left(user),
                keys=list(Passkey.select().where(Passkey.user == user.id).order_by(Passkey.created_at)),
                sessions=rows, signins=audit.recent(user, "auth.signin", 10), identities=oidc.identities_of(user),
                methods=offered, plex=plex.button_context() if offered["plex"] else {}, describe=signin.describe,
                policy=signin.policy_requires_strong(), **extra)


@bp.get("/account")
def account():
    if request.args.get("fragment") == "methods":
        return render_template("auth/_methods.html", **_context(current_user))
    return web.render_page("auth/account.html", **_context(current_user))


def _methods(message: str, kind: str = "ok", status: int = 200, **extra):
    html = render_template("auth/_methods.html", **_context(current_user, **extra))
    return web.with_toast(html, message, kind, status=status)


# -- sessions --------------------------------------------------------------------------------------

def _sessions(message: str):
    html = render_template("auth/_sessions.html", **_context(current_user))
    return web.with_toast(html, message)


@bp.post("/sessions/others")
def end_other_sessions():
    n = service.end_other_sessions(current_user, session.get("_user_id"))
    audit.record("auth.sessions_ended", f"{current_user.username} signed out {n} other session(s)")
    return _sessions(f"Signed out {n} other session{'s' if n != 1 else ''}." if n else "No other session was open.")


@bp.post("/sessions/<handle>/end")
def end_one_session(handle: str):
    for s in service.sessions_of(current_user):
        if session_handle(s.id) == handle and s.id != session.get("_user_id"):
            service.end_session(s.id)
            audit.record("auth.sessions_ended", f"{current_user.username} signed out a session from {s.ip}")
            return _sessions("That session is signed out.")
    return _sessions("That session had already ended.")


# -- authenticator app -----------------------------------------------------------------------------

@bp.post("/totp/start")
def totp_start():
    try:
        secret = totp.begin_enrolment(current_user)
    except totp.TotpError as err:
        return _methods(str(err), "error")
    uri = totp.provisioning_uri(current_user, secret)
    return _methods("Scan the code, then type the code the app shows.", enrolling={"secret": secret, "qr": totp.qr_svg(uri)})


@bp.post("/totp/confirm")
def totp_confirm():
    with signin.throttled("totp-setup", current_user.id) as record_failure:
        try:
            codes = totp.confirm_enrolment(current_user, request.form.get("code"))
        except totp.TotpError as err:
            record_failure()
            secret = totp.enrolling_secret(current_user)
            enrolling = {"secret": secret, "qr": totp.qr_svg(totp.provisioning_uri(current_user, secret)),
                         "error": str(err)} if secret else None
            return _methods("Not set up: see the message under the code.", "error", status=422, enrolling=enrolling)
    audit.record("auth.totp_enabled", f"{current_user.username} set up an authenticator app")
    return _methods("Authenticator app set up. Keep the recovery codes somewhere safe.", new_codes=codes)


def _code_ok(kind: str) -> bool:
    """A current authenticator code (or an unused recovery code) before removing or replacing it."""
    code = request.form.get("code") or ""
    with signin.throttled(kind, current_user.id) as record_failure:
        ok = totp.verify(current_user, code) or totp.use_recovery_code(current_user, code)
        if not ok:
            record_failure()
    return ok


@bp.post("/totp/disable")
def totp_disable():
    if not _code_ok("totp-manage"):
        return _methods("That code is not right: the authenticator app is still on.", "error", status=422,
                        code_error="disable")
    totp.disable(current_user)
    audit.record("auth.totp_disabled", f"{current_user.username} turned off their authenticator app")
    message = "Authenticator app turned off."
    if signin.policy_requires_strong() and not signin.has_passkey(current_user):
        message += " A second factor is required here: you will set one up at your next sign-in."
    return _methods(message, "warn")


@bp.post("/totp/recovery")
def totp_recovery():
    if not _code_ok("totp-manage"):
        return _methods("That code is not right: your recovery codes are unchanged.", "error", status=422,
                        code_error="recovery")
    codes = totp.new_recovery_codes(current_user)
    audit.record("auth.recovery_codes", f"{current_user.username} made new recovery codes")
    return _methods("New recovery codes made; the old ones no longer work.", new_codes=codes)


# -- passkeys --------------------------------------------------------------------------------------

def _registering_user():
    """The signed-in admin, or the admin signing in who must set up a second factor first."""
    if current_user.is_authenticated and current_user.is_admin:
        return current_user._get_current_object(), None
    found = signin.pending()
    if found and not signin.has_second_factor(found[0]):
        return found
    abort(403)


@bp.post("/passkeys/options")
@web.public
def passkey_register_options():
    user, _ = _registering_user()
    try:
        return Response(passkeys.registration_options(user), mimetype="application/json")
    except passkeys.PasskeyError as err:
        return jsonify(error=str(err)), 400


@bp.post("/passkeys")
@web.public
def passkey_register():
    user, pending = _registering_user()
    body = request.get_json(silent=True) or {}
    credential = body.get("credential") if isinstance(body.get("credential"), str) else ""
    name = body.get("name") if isinstance(body.get("name"), str) else ""
    try:
        pk = passkeys.register(user, credential, name)
    except passkeys.PasskeyError as err:
        return jsonify(error=str(err)), 400
    audit.record("auth.passkey_added", f"{user.username} added the passkey “{pk.name}”", actor=user)
    if pending is not None:
        return jsonify(redirect=signin.complete_pending(user, pending, "passkey"))
    return jsonify(ok=True, message=f"Passkey “{pk.name}” added.")


def _passkey_id(value: int) -> int:
    if value > MAX_ID:
        abort(404)
    return value


@bp.post("/passkeys/<int:passkey_id>/rename")
def passkey_rename(passkey_id: int):
    try:
        passkeys.rename(current_user, _passkey_id(passkey_id), request.form.get("name", ""))
    except passkeys.PasskeyError as err:
        return _methods(str(err), "error", status=422)
    return _methods("Passkey renamed.")


@bp.post("/passkeys/<int:passkey_id>/delete")
def passkey_delete(passkey_id: int):
    pk = passkeys.remove(current_user, _passkey_id(passkey_id))
    if pk is None:
        return _methods("That passkey was already removed.")
    audit.record("auth.passkey_removed", f"{current_user.username} removed the passkey “{pk.name}”")
    message = f"Passkey “{pk.name}” removed."
    if signin.policy_requires_strong() and not signin.has_second_factor(current_user):
        message += " A second factor is required here: you will set one up at your next sign-in."
    return _methods(message, "warn" if "required" in message else "ok")


# -- linked accounts -------------------------------------------------------------------------------

@bp.post("/plex/unlink")
def plex_unlink():
    User.update(plex_user_id=None, plex_username=None).where(User.id == current_user.id).execute()
    audit.record("auth.plex_unlinked", f"{current_user.username} unlinked their Plex account")
    return _methods("Plex account unlinked.")


@bp.post("/oidc/unlink")
def oidc_unlink():
    oidc.unlink(current_user)
    audit.record("auth.sso_unlinked", f"{current_user.username} unlinked their {signin.provider_label()} account")
    return _methods(f"{signin.provider_label()} account unlinked.")


# -- admins ----------------------------------------------------------------------------------------

# Up to this many people with a Plex account, the page lists them with a button each; beyond, it
# asks for one by name (5,000 buttons are a page of megabytes).
PEOPLE_LIST_MAX = 200


def _plex_people():
    return User.select().where((User.role == "user") & User.plex_user_id.is_null(False)
                               & (User.is_active == True)).order_by(User.username)


def _admins_page(status: int = 200, error: str | None = None):
    admins = list(User.select().where(User.role == "admin").order_by(User.id))
    people = list(_plex_people().limit(PEOPLE_LIST_MAX + 1))
    many = len(people) > PEOPLE_LIST_MAX
    if many:
        people = []
    info = {u.id: {"totp": totp.is_enabled(u), "keys": Passkey.select().where(Passkey.user == u.id).count(),
                   "sso": bool(oidc.identities_of(u))} for u in admins}
    return web.render_page("auth/admins.html", status=status, admins=admins, people=people, many=many, info=info,
                           error=error,
                           plex_signin=methods()["plex"], redirect_uri=oidc.redirect_uri(),
                           oidc_on=methods()["oidc"])


@bp.get("/admins")
def admins():
    return _admins_page()


def _user_or_404(user_id: int) -> User:
    user = User.get_or_none(User.id == user_id) if user_id <= MAX_ID else None
    if user is None:
        abort(404)
    return user


@bp.post("/admins/<int:user_id>/make")
def admin_make(user_id: int):
    user = _user_or_404(user_id)
    if user.is_admin:
        return web.hx_redirect(url_for("auth.admins"))
    if not user.plex_user_id:
        return _admins_page(422, "Only someone with a Plex account can be made admin here (they sign in with Plex).")
    with_sessions = service.end_other_sessions(user, None)        # their person sessions end
    User.update(role="admin").where(User.id == user.id).execute()
    audit.record("admin.created", f"{current_user.username} made {user.name} (Plex {user.plex_username or user.plex_user_id}) "
                 f"an admin; {with_sessions} session(s) ended")
    return web.hx_redirect(url_for("auth.admins"))


@bp.post("/admins/make")
def admin_make_named():
    """Past PEOPLE_LIST_MAX the page asks for a Plex username, username or email instead of a list."""
    from peewee import fn

    typed = request.form.get("person", "").strip()[:150]
    text = typed.lower()
    user = (_plex_people().where((fn.LOWER(User.plex_username) == text) | (fn.LOWER(User.username) == text)
                                 | (fn.LOWER(User.email) == text)).first()) if text else None
    if user is None:
        return _admins_page(422, f"Nobody with a Plex account is called “{typed}”: check the name or email."
                            if typed else "Type the Plex username or email of who should become an admin.")
    return admin_make(user.id)


@bp.post("/admins/<int:user_id>/remove")
def admin_remove(user_id: int):
    user = _user_or_404(user_id)
    if user.id == current_user.id:
        return _admins_page(422, "You cannot remove your own admin rights; another admin can.")
    if not user.is_admin:
        return web.hx_redirect(url_for("auth.admins"))
    # Another active admin must remain (a deactivated admin's rights can always be taken away).
    others = User.select().where((User.role == "admin") & (User.is_active == True)
                                 & (User.id != user.id)).count()
    if not others:
        return _admins_page(422, "The last admin stays.")
    service.end_other_sessions(user, None)
    User.update(role="user").where(User.id == user.id).execute()
    audit.record("admin.removed", f"{current_user.username} removed the admin rights of {user.name}; their sessions ended")
    return web.hx_redirect(url_for("auth.admins"))
