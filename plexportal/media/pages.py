"""Admin pages: requests, request detail (followers, history), the webhook inbox, Seerr sync,
request on behalf, setup instructions; and the token-authenticated Follow action for users."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for
from flask_babel import gettext

from plexportal import i18n, web
from plexportal.auth.models import User
from plexportal.gateways.base import GatewayError
from plexportal.gateways.seerr import SeerrTitle
from plexportal.media import matching, queries, service, sync
from plexportal.media.models import MediaRequest, SyncRun, WebhookEvent
from plexportal.notify import links
from plexportal.settings import service as settings

bp = Blueprint("media", __name__, url_prefix="/media")
PAGE_SIZE = 50


def get_request_or_404(request_id: int) -> MediaRequest:
    req = MediaRequest.get_or_none(MediaRequest.id == request_id)
    if req is None:
        abort(404)
    return req


@bp.get("/requests")
def requests():
    f = {k: request.args.get(k, "") for k in ("status", "user", "type", "person")}
    f["person"] = f["person"].strip()[:150]
    nobody = False
    if f["person"] and not f["user"]:
        named = queries.person_named(f["person"])
        nobody = named is None
        f["user"] = str(named.id) if named else "0"          # 0: nobody, so no rows
    page = web.int_arg("page", 1, minimum=1, maximum=1_000_000)
    rows, has_more = queries.requests_page(f, page, PAGE_SIZE)
    users = queries.people_to_pick(User.select().where(User.id.in_(MediaRequest.select(MediaRequest.requested_by)))
                                   .order_by(User.username))
    return web.render_page("media/requests.html", "media/_request_rows.html", rows=rows, filters=f, page_no=page,
                           has_more=has_more, users=users, nobody=nobody, unmatched=queries.unmatched_arrivals(),
                           last_sync=SyncRun.select().order_by(SyncRun.id.desc()).first())


@bp.get("/requests/<int:request_id>")
def request_detail(request_id: int):
    req = get_request_or_404(request_id)
    return web.render_page("media/request.html", **queries.request_context(req))


@bp.post("/requests/<int:request_id>/followers")
def add_follower(request_id: int):
    req = get_request_or_404(request_id)
    typed = request.form.get("person", "").strip()
    if typed:
        user = queries.person_named(typed)
        if user is None:
            return web.with_toast("", gettext("Nobody is called “%(name)s”: check the username or email.", name=typed[:150]),
                                  "error", status=422)
    else:
        user = User.get_or_none(User.id == request.form.get("user_id", type=int))
    if user is None:
        return web.with_toast("", gettext("Pick someone to add."), "error", status=422)
    added = matching.add_follower(req, user)
    body = web.render_page("media/_followers.html", **queries.request_context(req)).get_data(as_text=True)
    return web.with_toast(body, gettext("%(name)s will hear when it is ready.", name=user.name) if added
                          else gettext("%(name)s already follows it.", name=user.name))


@bp.post("/requests/<int:request_id>/followers/<int:user_id>/remove")
def remove_follower(request_id: int, user_id: int):
    req = get_request_or_404(request_id)
    user = User.get_or_none(User.id == user_id) or abort(404)
    removed = matching.remove_follower(req, user)
    body = web.render_page("media/_followers.html", **queries.request_context(req)).get_data(as_text=True)
    return web.with_toast(body, gettext("%(name)s no longer follows it.", name=user.name) if removed
                          else gettext("The requester always hears."),
                          "ok" if removed else "warn")


@bp.post("/sync")
def start_sync():
    if not settings.get("SEERR_URL"):
        return web.with_toast("", gettext("Connect Seerr in Settings first."), "error", status=422)
    run = sync.start_sync()
    return web.render_page("media/_sync.html", run=run)


@bp.get("/sync/<int:run_id>")
def sync_progress(run_id: int):
    run = SyncRun.get_or_none(SyncRun.id == run_id) or abort(404)
    return web.render_page("media/_sync.html", run=run)


def title_search(q: str, pick: str = "") -> dict:
    """What the "Find a title" results area shows: results (with `pick` checked), or why there are none."""
    q = (q or "").strip()[:200]
    results: list[SeerrTitle] = []
    found = {"q": q, "results": results, "error": "", "not_configured": not settings.get("SEERR_URL"), "kept": None}
    if q and not found["not_configured"]:
        try:
            found["results"] = results = sync.search_titles(q)
        except GatewayError as err:
            found["error"] = err.message
    picked = sync.parse_pick(pick)
    if picked and pick.strip() not in {r.ref for r in results}:
        # Picked earlier but not among these results (Seerr down now, say): keep it as a choice.
        found["kept"] = {"ref": pick.strip(), "media_type": picked[0], "tmdb_id": picked[1]}
    return found


@bp.route("/on-behalf", methods=["GET", "POST"])
def on_behalf():
    users = queries.people_to_pick(User.select().where(User.role == "user").order_by(User.username))
    form = {"title": request.form.get("title", request.args.get("title", "")).strip(),
            "type": request.form.get("type", request.args.get("type", "movie")),
            "user_id": request.form.get("user_id", type=int),
            "person": request.form.get("person", "").strip()[:150],
            "pick": request.form.get("pick", "").strip()}
    if request.method == "GET":
        return web.render_page("media/on_behalf.html", users=users, form=form, errors={},
                               search=title_search(request.args.get("q", "")))
    errors = {}
    if form["pick"]:
        parsed = sync.parse_pick(form["pick"])
        if parsed is None:
            errors["title"] = gettext("That choice is not a film or a series: search again and pick one.")
    else:
        parsed = sync.parse_title(form["title"], form["type"])
        if parsed is None:
            errors["title"] = gettext("Pick a title from the search results, or paste a Seerr page address "
                                      "(…/movie/550123 or …/tv/98765) or a TMDB id.")
    if form["person"]:
        user = queries.person_named(form["person"])
        if user is None:
            errors["user_id"] = gettext("Nobody is called “%(name)s”: check the username or email.", name=form["person"])
    else:
        user = User.get_or_none(User.id == form["user_id"]) if form["user_id"] else None
        if user is None:
            errors["user_id"] = gettext("Pick who the request is for.")
    if not errors:
        try:
            req = sync.request_on_behalf(user, *parsed)
        except (GatewayError, ValueError) as err:
            errors["form"] = getattr(err, "message", None) or str(err)
        else:
            return web.hx_redirect(url_for("media.request_detail", request_id=req.id))
    # The search is run again so the results (and the pick among them) come back as they were.
    return web.render_page("media/on_behalf.html", "media/_on_behalf_form.html", status=422, users=users,
                           form=form, errors=errors, search=title_search(request.form.get("q", ""), form["pick"]))


@bp.get("/on-behalf/search")
def on_behalf_search():
    """The results area of "Find a title", fetched by htmx as the admin types."""
    if not web.is_partial():
        return redirect(url_for("media.on_behalf", q=request.args.get("q", "")), 303)
    return web.render_page("media/_on_behalf_results.html", search=title_search(request.args.get("q", "")),
                           form={"pick": ""})


@bp.get("/inbox")
def inbox():
    f = {k: request.args.get(k, "") for k in ("source", "status")}
    page = web.int_arg("page", 1, minimum=1, maximum=1_000_000)
    rows, has_more = queries.events_page(f, page, PAGE_SIZE)
    return web.render_page("media/inbox.html", "media/_inbox_rows.html", rows=rows, filters=f, page_no=page,
                           has_more=has_more)


@bp.get("/inbox/<int:event_id>")
def inbox_event(event_id: int):
    event = WebhookEvent.get_or_none(WebhookEvent.id == event_id) or abort(404)
    return web.render_page("media/event.html", event=event, body=service.masked_body(event))


@bp.post("/inbox/<int:event_id>/reprocess")
def reprocess(event_id: int):
    event = WebhookEvent.get_or_none(WebhookEvent.id == event_id) or abort(404)
    if event.status == "invalid":
        return web.with_toast("", gettext("This body is not a JSON object; there is nothing to process."), "error",
                              status=422)
    before = event.attempts
    service.reprocess_event(event.id)
    event = WebhookEvent.get_by_id(event.id)
    body = _event_status(event, before, tries=0).get_data(as_text=True)
    return web.with_toast(body, gettext("Queued for processing again; only new items will be announced."))


@bp.get("/inbox/<int:event_id>/status")
def inbox_event_status(event_id: int):
    """Polled after Reprocess until the worker has run the event again (its run count went up)."""
    event = WebhookEvent.get_or_none(WebhookEvent.id == event_id) or abort(404)
    return _event_status(event, web.int_arg("since", 0), tries=web.int_arg("tries", 0, maximum=60))


def _event_status(event: WebhookEvent, since: int, *, tries: int):
    waiting = {"since": since} if event.attempts <= since else None
    return web.render_page("media/_event_status.html", event=event, waiting=waiting, tries=tries)


@bp.get("/setup")
def setup():
    base = (settings.get("BASE_URL") or request.host_url).rstrip("/")
    return web.render_page("media/setup.html", base=base, has_secret=bool(settings.get("WEBHOOK_SECRET")))


@bp.post("/follow/<int:request_id>")
@web.user_view
def follow(request_id: int):
    """A user follows someone else's requested title from their own page (signed link, or signed
    in with Plex; no password)."""

    user = links.person_for(request.args.get("token") or request.form.get("token") or "")
    if user is None:
        abort(403)
    i18n.use_person(user)
    req = get_request_or_404(request_id)
    if req.status == "declined":
        abort(404)
    unfollow = request.form.get("action") == "unfollow"
    changed = matching.remove_follower(req, user) if unfollow else matching.add_follower(req, user)
    body = web.render_page("media/_follow_button.html", req=req, following=not unfollow,
                           token=request.args.get("token") or request.form.get("token")).get_data(as_text=True)
    message = ((gettext("Unfollowed.") if unfollow else gettext("You'll hear when %(title)s is ready.", title=req.title))
               if changed else gettext("No change."))
    return web.with_toast(body, message)
