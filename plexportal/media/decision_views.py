"""Approve / Decline: the emailed links' confirmation page (public: the link alone authorises that
one decision) and the admin's buttons on the dashboard and the request page."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from plexportal import web
from plexportal.extensions import limiter
from plexportal.media import decisions
from plexportal.media.models import MediaRequest

bp = Blueprint("decisions", __name__, url_prefix="/media")


def _page(token: str, *, link=None, problem: str = "", decision=None, status: int = 200):
    req = link.request if link is not None else (decision.request if decision is not None else None)
    action = link.action if link is not None else ""
    poll = url_for("decisions.status", token=token) if decision is not None else ""
    return render_template("media/decide.html", req=req, action=action, verb=decisions.ACTIONS.get(action, "Decide on"),
                           token=token, problem=problem, decision=decision, poll_url=poll), status


@bp.route("/decide/<token>", methods=["GET", "POST"])
@limiter.limit("30 per minute")
@web.public
def confirm(token: str):
    """GET asks (mail scanners open links); only the POST from this page decides."""
    try:
        link = decisions.link_from_token(token)
    except decisions.Refused as err:
        return _page(token, problem=err.message, status=err.status)
    if request.method == "POST":
        try:
            decisions.decide_by_link(token, request.form.get("reason", ""))
        except decisions.Refused as err:
            return _page(token, link=link, problem=err.message, decision=err.decision, status=err.status)
        return web.hx_redirect(url_for("decisions.confirm", token=token))
    try:
        decisions.check_link(link)
    except decisions.Refused as err:
        # A used link shows what became of the decision it made (and changes nothing).
        if err.decision is not None and err.decision.link_id == link.id:
            return _page(token, link=link, decision=err.decision)
        return _page(token, link=link, problem=err.message, decision=err.decision, status=err.status)
    return _page(token, link=link)


@bp.get("/decide/<token>/status")
@limiter.limit("60 per minute")
@web.public
def status(token: str):
    try:
        link = decisions.link_from_token(token)
    except decisions.Refused:
        abort(404)
    decision = decisions.RequestDecision.select().where(decisions.RequestDecision.link == link).first()
    if decision is None:
        abort(404)
    return render_template("media/_decision_status.html", decision=decision,
                           poll_url=url_for("decisions.status", token=token))


@bp.post("/requests/<int:request_id>/decide")
def decide(request_id: int):
    """A signed-in admin's Approve / Decline (dashboard card, request page)."""
    req = MediaRequest.get_or_none(MediaRequest.id == request_id) or abort(404)
    action = request.form.get("action", "")
    try:
        decision = decisions.decide_by_admin(req, action, current_user, request.form.get("reason", ""))
    except decisions.Refused as err:
        body = (render_template("media/_decision_status.html", decision=err.decision, poll_url="")
                if err.decision is not None else "")
        return web.with_toast(body, err.message, "warn" if err.decision else "error",
                              status=200 if err.decision else err.status)
    decision = decisions.RequestDecision.get_by_id(decision.id)
    words = {"done": gettext("Seerr has it."), "queued": gettext("Sending it to Seerr…"),
             "gone": gettext("Seerr no longer has the request."), "failed": gettext("Seerr did not take it.")}
    done = {"approve": gettext("Approved"), "decline": gettext("Declined")}
    return web.with_toast(render_template("media/_decision_status.html", decision=decision, poll_url=""),
                          gettext("%(done)s: %(result)s", done=done[decision.action], result=words[decision.status]),
                          "ok" if decision.status in ("done", "queued") else "warn")
