"""Admin sign-in, sign-out and password change."""
from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from plexportal import web
from plexportal.admin import audit
from plexportal.auth import service, throttle
from plexportal.auth.forms import LoginForm, PasswordChangeForm
from plexportal.extensions import client_address

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__, url_prefix="/auth")


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
        with throttle.attempt(client_address()) as record_failure:
            user = service.authenticate(form.username.data, form.password.data) if form.validate() else None
            if user is None and not form.errors:
                record_failure()
        if user is not None:
            log.info("sign-in ok for %s from %s", user.username, client_address())
            previous = session.get("_user_id")
            if previous:
                service.end_session(previous)   # signing in again replaces, never adds, a session
            session.clear()                     # a new session on every sign-in (ASVS 7.2.4)
            sid = service.start_session(user, client_address(), request.user_agent.string)
            user.session_id = sid
            login_user(user)
            return web.hx_redirect(next_url)
        if not form.errors:
            # Name the account only if it exists: people type passwords into the user-name field.
            typed = (form.username.data or "").strip()
            who = repr(typed[:40]) if service.user_exists(typed) else "an unknown user name"
            log.warning("sign-in failed for %s from %s", who, client_address())
            error = "That user name and password do not match."
    status = 422 if request.method == "POST" else 200
    return web.render_page("auth/login.html", "auth/_login_form.html", status=status, form=form, error=error,
                           next_url=next_url)


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
        with throttle.attempt(client_address()) as record_failure:
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
