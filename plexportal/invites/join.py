"""Public join pages: /join/<code> (Sign in with Plex or a plain form), the request form of the
global invite code at /join, and the status/welcome page. They say little (law 9)."""
from __future__ import annotations

import hashlib
import re

from flask import abort, jsonify, redirect, request, url_for
from flask_babel import gettext

from plexportal import i18n, web
from plexportal.auth import throttle
from plexportal.extensions import client_address, limiter
from plexportal.gateways import plextv
from plexportal.invites import codes, joining, service
from plexportal.invites.messages import APP_LINKS
from plexportal.invites.views import bp
from plexportal.security import constant_time_equals
from plexportal.settings import service as settings

IDENT_RE = re.compile(r"^[A-Za-z0-9_.+@-]{2,254}$")
submissions = limiter.shared_limit("5/minute;20/hour", scope="invites-join", methods=["POST"])


def _per_code_limit() -> str:
    return settings.get("INVITES_PER_CODE_LIMIT") or "30/hour"


def _code_key() -> str:
    return "invite-code:" + codes.normalize((request.view_args or {}).get("code", "") or "request")


per_code = limiter.shared_limit(_per_code_limit, scope="invites-code", key_func=_code_key, methods=["POST"])


def _page(template: str, status: int = 200, **ctx):
    return web.render_page(template, status=status, **ctx)


def _invite_or_gone(code: str):
    invite = service.get_invite_by_code(code)
    if invite is None:
        return None, _page("invites/join_gone.html", 404)
    if not service.is_redeemable(invite):
        return None, _page("invites/join_gone.html", 410)
    return invite, None


def _is_bot() -> bool:
    return settings.get_bool("INVITES_HONEYPOT") and bool((request.form.get("website") or "").strip())


def _identifier() -> tuple[str, str | None]:
    ident = (request.form.get("identifier") or "").strip()
    if not IDENT_RE.match(ident):
        return ident, "Enter your Plex username or the email address you use for Plex."
    return ident, None


@bp.get("/join/<code>")
@web.public
def join(code: str):
    normal = codes.normalize(code)
    if normal and normal != code:
        return redirect(url_for("invites.join", code=normal), 301)
    invite, gone = _invite_or_gone(code)
    if gone:
        return gone
    mine = joining.my_redemption(invite.code)
    return _page("invites/join.html", invite=invite, titles=service.library_titles(invite.libraries),
                 mine=mine, client_id=joining.client_id(), errors={}, form={})


@bp.post("/join/<code>")
@web.public
@submissions
@per_code
def join_submit(code: str):
    invite, gone = _invite_or_gone(code)
    if gone:
        return gone
    if _is_bot():
        return redirect(url_for("invites.join_status", code=invite.code))
    ident, problem = _identifier()
    if problem:
        return _page("invites/join.html", 422, invite=invite, titles=service.library_titles(invite.libraries),
                     mine=None, client_id=joining.client_id(), errors={"identifier": problem}, form=request.form)
    who = service.Claimant(account_key=f"name:{ident.lower()}", identifier=ident, via="form",
                           email=ident if "@" in ident else "", language=i18n.asked_language())
    try:
        redemption = service.redeem_invite(invite.id, who)
    except service.AlreadyRedeemed as err:
        redemption = err.redemption
    except service.NotRedeemable:
        return _page("invites/join_gone.html", 410)
    joining.remember_redemption(invite.code, redemption.id)
    return redirect(url_for("invites.join_status", code=invite.code), 303)


@bp.post("/join/<code>/pin")
@web.public
@submissions
@per_code
def join_pin(code: str):
    invite, gone = _invite_or_gone(code)
    if gone:
        return jsonify(error="This invite can no longer be used."), 410
    pin = plextv.browser_pin(request.get_json(silent=True))
    if pin is None:
        return jsonify(error="Sign-in could not start; reload the page and try again."), 400
    return jsonify(joining.remember_pin(invite.code, *pin))


@bp.get("/join/<code>/pin")
@web.public
@limiter.limit("60/minute")
def join_pin_check(code: str):
    invite = service.get_invite_by_code(code) or abort(404)
    result = joining.check_pin(invite)
    targets = {"done": url_for("invites.join_status", code=invite.code),
               "unverified": url_for("invites.join_unverified", code=invite.code),
               "unavailable": url_for("invites.join", code=invite.code)}
    return jsonify(status=result.status, redirect=targets.get(result.status))


@bp.get("/join/<code>/plex")
@web.public
@limiter.limit("30/minute")
def join_plex_return(code: str):
    """Where plex.tv sends a phone back (forwardUrl) after the person approved the sign-in."""
    invite = service.get_invite_by_code(code) or abort(404)
    result = joining.check_pin(invite)
    if result.status == "done":
        return redirect(url_for("invites.join_status", code=invite.code), 303)
    if result.status == "unverified":
        return redirect(url_for("invites.join_unverified", code=invite.code), 303)
    if result.status == "unavailable":
        return _page("invites/join_gone.html", 410)
    if result.status == "error":
        return redirect(url_for("invites.join", code=invite.code), 303)
    return _page("invites/join_waiting.html", invite=invite)


@bp.get("/join/<code>/unverified")
@web.public
def join_unverified(code: str):
    invite, gone = _invite_or_gone(code)
    return gone or _page("invites/join_unverified.html", invite=invite, client_id=joining.client_id())


@bp.get("/join/<code>/status")
@web.public
def join_status(code: str):
    invite = service.get_invite_by_code(code) or abort(404)
    mine = joining.my_redemption(invite.code)
    if mine is None:
        return redirect(url_for("invites.join", code=invite.code), 303)
    return web.render_page("invites/join_status.html", "invites/_join_state.html", r=mine, invite=invite,
                           **_welcome_ctx(), poll_url=url_for("invites.join_status", code=invite.code))


def _welcome_ctx() -> dict:
    return {"app_links": APP_LINKS, "request_url": settings.get("INVITES_REQUEST_URL")}


# -- the seed's simple mode: one global code guarding a request form ---------------------------------------

@bp.get("/join")
@web.public
def request_form():
    if not settings.get("INVITE_CODE"):
        return _page("invites/join_gone.html", 404, no_code=True)       # /join typed without a code
    mine = joining.my_redemption("request")
    return _page("invites/request.html", errors={}, form={}, mine=mine)


# Wrong global codes per address (and code): one shared bucket let anyone lock everyone out.
GLOBAL_CODE = throttle.Throttle("invites.global-code", "10 per hour")


@bp.post("/join")
@web.public
@submissions
def request_submit():
    expected = settings.get("INVITE_CODE")
    if not expected:
        return _page("invites/join_gone.html", 404)
    if _is_bot():
        return redirect(url_for("invites.request_status"), 303)
    errors = {}
    given = (request.form.get("code") or "").strip()
    key = f"{client_address()}:{hashlib.sha256(expected.strip().upper().encode()).hexdigest()[:12]}"
    with GLOBAL_CODE.attempt(key) as record_failure:
        if not constant_time_equals(given.upper(), expected.strip().upper()):
            record_failure()
            errors["code"] = gettext("That invite code is not right. Check it with the person who gave it to you.")
    ident, problem = _identifier()
    if problem:
        errors["identifier"] = problem
    if errors:
        return _page("invites/request.html", 422, errors=errors, form=request.form, mine=None)
    who = service.Claimant(account_key=f"name:{ident.lower()}", identifier=ident, via="request",
                           email=ident if "@" in ident else "", language=i18n.asked_language())
    try:
        redemption = service.request_access(who, approval=settings.get_bool("INVITES_REQUIRE_APPROVAL"))
    except service.AlreadyRedeemed as err:
        redemption = err.redemption
    joining.remember_redemption("request", redemption.id)
    return redirect(url_for("invites.request_status"), 303)


@bp.get("/join/request/status")
@web.public
def request_status():
    mine = joining.my_redemption("request")
    if mine is None:
        return redirect(url_for("invites.request_form"), 303)
    return web.render_page("invites/join_status.html", "invites/_join_state.html", r=mine, invite=None,
                           **_welcome_ctx(), poll_url=url_for("invites.request_status"))


