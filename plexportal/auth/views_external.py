"""Sign in with Plex and single sign-on (OpenID Connect): the redirects and callbacks. Each ends
in auth/signin.py, or on the sign-in page with a sentence saying what happened."""
from __future__ import annotations

import logging

from flask import flash, jsonify, redirect, request, url_for
from flask_login import current_user
from werkzeug.exceptions import TooManyRequests

from plexportal import web
from plexportal.auth import oidc, plex, signin
from plexportal.auth.views import bp
from plexportal.extensions import client_address, limiter
from plexportal.gateways import plextv
from plexportal.gateways.base import GatewayError

log = logging.getLogger(__name__)


def _signed_in_admin() -> bool:
    return current_user.is_authenticated and current_user.is_admin


# -- Sign in with Plex -----------------------------------------------------------------------------

@bp.post("/plex")
@web.public
@limiter.limit("10/minute")
def plex_start():
    """The browser made a PIN at plex.tv: keep it, answer where to approve it."""
    pin = plextv.browser_pin(request.get_json(silent=True))
    if pin is None:
        return jsonify(error="Sign-in could not start; reload the page and try again."), 400
    wanted = request.args.get("intent")
    intent = wanted if wanted in ("link", "setup") and _signed_in_admin() else "signin"
    return jsonify(plex.remember_pin(*pin, intent, web.safe_next(request.args.get("next"), "")))


def _plex_outcome():
    """(status, url to go to): "waiting" while plex.tv has no answer, else where the browser goes."""
    outcome = plex.check()
    if outcome.status == "waiting":
        return "waiting", None
    if outcome.status == "error":
        flash(outcome.message, "error")
        return "error", url_for("auth.login")
    account = outcome.account
    if outcome.intent == "setup":
        if not _signed_in_admin():
            flash("Sign in first, then connect Plex.", "error")
            return "error", url_for("auth.login")
        plex.remember_setup_token(outcome.token)
        return "done", url_for("settings.wizard_plex_servers")
    if outcome.intent == "link":
        if not _signed_in_admin():
            flash("Sign in first, then link your Plex account.", "error")
            return "error", url_for("auth.login")
        problem = plex.link(current_user, account)
        flash(problem or f"Plex account {account.username} linked: you can sign in with Plex.", "error" if problem else "ok")
        return "done", url_for("auth.account")
    try:
        with signin.throttled("plex") as record_failure:
            kind, user = plex.resolve(account)
            if kind in ("stranger", "disabled"):
                record_failure()
    except TooManyRequests:
        # The page polls for JSON: a 429 would read as "still waiting". Say it on the sign-in page.
        flash("Too many attempts. Wait a few minutes and try again.", "error")
        return "refused", url_for("auth.login")
    if kind == "stranger":
        log.info("Sign in with Plex refused for Plex account %s from %s: no access", account.id, client_address())
        flash(f"The Plex account {account.username or account.email} has no access to this server, so there is "
              "nothing here for it. If you were invited, open the invite link first.", "error")
        return "refused", url_for("auth.login")
    if kind == "disabled":
        flash("This account can no longer sign in here. Ask the server's admin.", "error")
        return "refused", url_for("auth.login")
    response = signin.begin(user, "plex", outcome.next_url or None)
    return "done", response.headers.get("Location") or response.headers.get("HX-Redirect")


@bp.get("/plex")
@web.public
@limiter.limit("60/minute")
def plex_check():
    """Polled by the sign-in page while the Plex popup is open."""
    status, target = _plex_outcome()
    return jsonify(status=status, redirect=target)


@bp.get("/plex/return")
@web.public
@limiter.limit("30/minute")
def plex_return():
    """Where plex.tv sends a phone back (forwardUrl) after the sign-in was approved."""
    status, target = _plex_outcome()
    if status == "waiting":
        return web.render_page("auth/plex_waiting.html", check_url=url_for("auth.plex_check"))
    return redirect(target, 303)


# -- single sign-on --------------------------------------------------------------------------------

@bp.get("/oidc/start")
@web.public
@limiter.limit("20/minute")
def oidc_start():
    if not oidc.is_configured():
        return signin.refuse("Single sign-on is not set up here.")
    intent = "link" if request.args.get("intent") == "link" and _signed_in_admin() else "signin"
    try:
        url = oidc.start(intent, web.safe_next(request.args.get("next"), ""))
    except GatewayError as err:
        log.warning("single sign-on could not start: %s", err.message)
        return signin.refuse(f"{signin.provider_label()} cannot be reached right now, so single sign-on is not "
                             "available. Sign in another way, or try again in a minute.")
    return redirect(url, 303)


@bp.get("/oidc/callback")
@web.public
@limiter.limit("20/minute")
def oidc_callback():
    with signin.throttled("oidc") as record_failure:
        try:
            identity, intent, next_url = oidc.finish(request.args)
            if intent == "link":
                if not _signed_in_admin():
                    raise oidc.SignInRefused("Sign in first, then link your account.")
                problem = oidc.link(current_user, identity)
                flash(problem or f"Your {signin.provider_label()} account is linked: you can sign in with it.",
                      "error" if problem else "ok")
                return redirect(url_for("auth.account"), 303)
            user = oidc.account_for(identity)
        except oidc.SignInRefused as err:
            record_failure()
            log.warning("single sign-on refused from %s: %s", client_address(), err)
            return signin.refuse(str(err))
        except GatewayError as err:
            if getattr(err, "permanent", False):
                record_failure()
            log.warning("single sign-on failed from %s: %s", client_address(), err.message)
            if err.__class__.__name__ == "TokenRefused":
                return signin.refuse(f"Single sign-on was refused: {err.message} Nobody was signed in.")
            return signin.refuse(f"{signin.provider_label()} cannot be reached right now ({err.message}) "
                                 "Sign in another way, or try again in a minute.")
    return signin.finish(user, "oidc", next_url or None)
