"""Sign-in (password, passkey, and the buttons for Plex and single sign-on), the second-factor
step, sign-out and password change. The account page is in views_account.py, Plex and single
sign-on in views_external.py; every method ends in auth/signin.py."""
from __future__ import annotations

import logging

from flask import Blueprint, Response, flash, jsonify, redirect, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, logout_user

from plexportal import i18n, web
from plexportal.admin import audit
from plexportal.auth import passkeys, plex, service, signin, totp
from plexportal.auth.forms import LoginForm, PasswordChangeForm
from plexportal.auth.models import Passkey
from plexportal.extensions import client_address, limiter
from plexportal.settings import service as settings

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__, url_prefix="/auth")


def methods() -> dict:
    """The sign-in buttons this install offers."""
    return {"passkey": Passkey.select().exists(),
            "plex": settings.get_bool("PLEX_SIGNIN") and bool(settings.get("PLEX_TOKEN")),
            "oidc": bool(settings.get("OIDC_ISSUER") and settings.get("OIDC_CLIENT_ID")),
            "oidc_name": signin.provider_label()}


def _login_page(form, error=None, status=200, next_url="/"):
    offered = methods()
    return web.render_page("auth/login.html", "auth/_login_form.html", status=status, form=form, error=error,
                           next_url=next_url, methods=offered, plex=plex.button_context() if offered["plex"] else {})


@bp.route("/login", methods=["GET", "POST"])
@web.public
def login():
    if not service.has_admin():
        return redirect(url_for("settings.wizard"))
    next_url = web.safe_next(request.values.get("next"), url_for("admin.dashboard"))
    if request.method == "GET" and current_user.is_authenticated and current_user.is_admin:
        return redirect(next_url)             # already signed in (or on the bypass network)
    form = LoginForm()
    error = None
    if request.method == "POST":
        # Only wrong passwords use up the allowance, so an admin is never throttled by their
        # own sign-ins; a throttled address gets 429 before any password is checked.
        with signin.throttled("password") as record_failure:
            user = service.authenticate(form.username.data, form.password.data) if form.validate() else None
            if user is None and not form.errors:
                record_failure()
        if user is not None:
            return signin.begin(user, "password", next_url)
        if not form.errors:
            # Name the account only if it exists: people type passwords into the user-name field.
            typed = (form.username.data or "").strip()
            who = repr(typed[:40]) if service.user_exists(typed) else "an unknown user name"
            log.warning("sign-in failed for %s from %s", who, client_address())
            error = gettext("That user name and password do not match.")
    return _login_page(form, error, 422 if request.method == "POST" else 200, next_url)


@bp.post("/logout")
@web.public
def logout():
    sid = session.get("_user_id")
    if sid:
        service.end_session(sid)
    logout_user()
    session.clear()
    flash("You are signed out.", "ok")
    return web.hx_redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
def password():
    form = PasswordChangeForm()
    error = None
    if form.validate_on_submit():
        # Throttled like sign-in, and from the same allowance: a stolen session cookie must not
        # become an unlimited password oracle.
        with signin.throttled("password") as record_failure:
            checked = service.authenticate(current_user.username, form.current.data)
            if checked is None:
                record_failure()
        if checked is None:
            log.warning("wrong current password for %s from %s", current_user.username, client_address())
            form.current.errors.append("That is not your current password.")
        else:
            try:
                service.set_password(current_user, form.password.data)
            except service.AuthError as err:
                form.password.errors.append(str(err))
            else:
                audit.record("admin.password_changed", f"{current_user.username} changed their password; "
                             "every session ended", actor=current_user)
                logout_user()
                session.clear()
                flash("Password changed. Every session has ended; sign in with the new password.", "ok")
                return web.hx_redirect(url_for("auth.login"))
    status = 422 if request.method == "POST" else 200
    return web.render_page("auth/password.html", "auth/_password_form.html", status=status, form=form, error=error)


# -- the second factor -----------------------------------------------------------------------------

def _second_factor_page(user, data, error=None, status=200, mode=None):
    has_totp = totp.is_enabled(user)
    has_keys = signin.has_passkey(user)
    enrol = not (has_totp or has_keys)        # the rule requires one and the account has none yet
    secret = None
    if enrol:
        secret = totp.enrolling_secret(user) or totp.begin_enrolment(user)
    uri = totp.provisioning_uri(user, secret) if secret else ""
    return web.render_page("auth/second_factor.html", status=status, user=user, has_totp=has_totp,
                           has_keys=has_keys, enrol=enrol, secret=secret, qr=totp.qr_svg(uri) if uri else "",
                           error=error, mode=mode or ("code" if has_totp else "passkey"),
                           first=signin.describe(data.get("m") or "password"))


def _pending_or_login():
    found = signin.pending()
    if found is None:
        flash("Sign in again: the sign-in waited too long for its second step.", "warn")
        return None, web.hx_redirect(url_for("auth.login"))
    return found, None


@bp.route("/second-factor", methods=["GET", "POST"])
@web.public
def second_factor():
    i18n.use_admin()                       # only admins have a second step: their pages stay English
    found, gone = _pending_or_login()
    if gone:
        return gone
    user, data = found
    if request.method == "GET":
        return _second_factor_page(user, data)
    kind = "recovery" if request.form.get("recovery") else "totp"
    with signin.throttled("second-factor", user.id) as record_failure:
        if kind == "recovery":
            ok = totp.use_recovery_code(user, request.form.get("recovery"))
        else:
            ok = totp.verify(user, request.form.get("code"))
        if not ok:
            record_failure()
    if ok:
        target = signin.complete_pending(user, data, kind)
        if kind == "recovery":             # after the session started: starting one clears the cookie
            left = totp.recovery_codes_left(user)
            audit.record("auth.recovery_code_used", f"{user.username} used a recovery code ({left} left)", actor=user)
            flash(f"You used a recovery code; {left} left. Make new ones on your account page if you are running out.",
                  "warn" if left < 4 else "ok")
        return web.hx_redirect(target)
    log.warning("wrong %s for %s from %s", kind, user.username, client_address())
    if signin.pending_failed():
        flash("Too many wrong codes. Sign in again.", "error")
        return web.hx_redirect(url_for("auth.login"))
    error = ("That recovery code is not right, or was used before." if kind == "recovery"
             else "That code is not right, or was already used. Wait for the next code and try again.")
    return _second_factor_page(user, data, error=error, status=422, mode="recovery" if kind == "recovery" else "code")


@bp.post("/second-factor/enrol")
@web.public
def second_factor_enrol():
    """The rule requires a second factor and this admin has none: the code from the freshly set-up
    app both confirms it and completes the sign-in."""
    i18n.use_admin()
    found, gone = _pending_or_login()
    if gone:
        return gone
    user, data = found
    if totp.is_enabled(user) or signin.has_passkey(user):
        return redirect(url_for("auth.second_factor"), 303)
    with signin.throttled("second-factor", user.id) as record_failure:
        try:
            codes = totp.confirm_enrolment(user, request.form.get("code"))
        except totp.TotpError as err:
            record_failure()
            return _second_factor_page(user, data, error=str(err), status=422)
    audit.record("auth.totp_enabled", f"{user.username} set up an authenticator app at sign-in", actor=user)
    target = signin.complete_pending(user, data, "totp")
    return web.render_page("auth/recovery_codes.html", codes=codes, next_url=target)


# -- passkeys at sign-in ---------------------------------------------------------------------------

def _json_error(message: str, status: int = 400):
    return jsonify(error=message), status


def _json_text(text: str):
    return Response(text, mimetype="application/json")


@bp.post("/passkey/options")
@web.public
@limiter.limit("30/minute")
def passkey_options():
    """Options for navigator.credentials.get(): alone on the sign-in page, or as the second factor."""
    purpose = (request.get_json(silent=True) or {}).get("purpose")
    user = None
    if purpose == "second":
        found = signin.pending()
        if found is None:
            return _json_error("Sign in again: the sign-in waited too long for its second step.", 409)
        user = found[0]
    try:
        return _json_text(passkeys.authentication_options(user))
    except passkeys.PasskeyError as err:
        return _json_error(str(err))


@bp.post("/passkey")
@web.public
def passkey_verify():
    body = request.get_json(silent=True) or {}
    credential = body.get("credential") if isinstance(body.get("credential"), str) else ""
    second = body.get("purpose") == "second"
    found = signin.pending() if second else None
    if second and found is None:
        return _json_error("Sign in again: the sign-in waited too long for its second step.", 409)
    with signin.throttled("passkey", found[0].id if found else None) as record_failure:
        try:
            pk = passkeys.authenticate(credential, found[0] if found else None)
            user = pk.user
            if not (user.is_active and user.is_admin):
                raise passkeys.PasskeyError("That passkey's account can no longer sign in here.")
        except passkeys.PasskeyError as err:
            record_failure()
            log.warning("passkey sign-in refused from %s: %s", client_address(), err)
            return _json_error(str(err))
    if found:
        return jsonify(redirect=signin.complete_pending(user, found[1], "passkey"))
    return jsonify(redirect=signin.complete(user, "passkey", body.get("next") if isinstance(body.get("next"), str) else None))
