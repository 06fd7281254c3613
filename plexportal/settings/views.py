"""Settings page (grouped, env-locked values read-only, secrets masked) and the setup wizard."""
from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_login import login_user

from plexportal import web
from plexportal.admin import audit
from plexportal.auth import service as auth_service
from plexportal.auth.forms import AdminForm
from plexportal.extensions import client_address, limiter
from plexportal.settings import checks, service
from plexportal.settings.registry import groups, on_save_hooks

log = logging.getLogger(__name__)
bp = Blueprint("settings", __name__, url_prefix="/settings")

# The wizard's steps, in order: the services (each a settings group), then the server's name (from
# Plex), its public address and time zone, and the webhook secret the services will be given.
WIZARD_STEPS = ["Seerr", "Sonarr", "Radarr", "Plex", "Jellyfin", "Email", "Server", "Address", "Webhooks"]
# Steps that are not a settings group: the settings each one asks for.
STEP_KEYS = {"Server": ["SERVER_NAME"], "Address": ["BASE_URL", "TIMEZONE"], "Webhooks": ["WEBHOOK_SECRET"]}
STEP_TITLES = {"Server": "Name your server", "Address": "Public address and time zone",
               "Webhooks": "The webhook secret"}
WEBHOOK_APPS = (("Sonarr", "sonarr"), ("Radarr", "radarr"), ("Seerr", "seerr"))
WIZARD_HELP = {
    "Seerr": "Requests come from Seerr (Overseerr or Jellyseerr).",
    "Sonarr": "Sonarr tells plexportal when episodes are imported.",
    "Radarr": "Radarr tells plexportal when films are imported.",
    "Plex": "plexportal checks Plex really has an item before saying it is ready, and shares libraries.",
    "Jellyfin": "Only if your server is Jellyfin rather than Plex; otherwise skip.",
    "Email": "Messages to your users and alerts to you go out through this mail server.",
    "Server": "The name people see in the top bar, on the join page and in every email.",
    "Address": "How people reach plexportal: the address in links, invites and emails, and the time zone "
               "times are shown in.",
    "Webhooks": "Sonarr, Radarr and Seerr prove who they are with this secret when they tell plexportal "
                "about requests and imports. Save it first, then paste it into each of them.",
}


def _group_or_404(name: str) -> list:
    g = groups().get(name)
    if g is None and name in STEP_KEYS:
        from plexportal.settings.registry import get_def

        g = [get_def(key) for key in STEP_KEYS[name]]
    if g is None:
        abort(404)
    return g


def _finished_steps() -> set[str]:
    """Steps already done (shown ticked when the wizard is opened again)."""
    done = set(checks.configured_groups(service.get))
    for step, keys in STEP_KEYS.items():
        if all(service.is_stored(key) for key in keys if key != "TIMEZONE"):
            done.add(step)
    return done


def _field_rows(defs, values=None, errors=None):
    values = values or {}
    errors = errors or {}
    rows = []
    for d in defs:
        locked = service.is_locked(d.key)
        if d.is_secret:
            shown = ""      # never sent back; the placeholder says whether one is stored
        elif d.key in values:
            shown = values[d.key]
        else:
            shown = service.get(d.key)
        held_back = d.is_secret and service.is_held_back(d.key)
        rows.append({"def": d, "value": shown, "locked": locked, "error": errors.get(d.key),
                     "stored_mask": service.display_value(d) if d.is_secret else "", "held_back": held_back})
    return rows


def _save_group(name: str):
    """Save the submitted group; returns (ok, rows)."""
    defs = _group_or_404(name)
    submitted = {}
    refused = {}
    for d in defs:
        if d.host_only and request.form.get(d.key, "").strip() not in ("", service.get(d.key)):
            refused[d.key] = service.host_only_message(d)     # a crafted form: say no, never ignore silently
        if service.is_locked(d.key):
            continue
        raw = request.form.get(d.key, "") if d.kind != "bool" else ("true" if request.form.get(d.key) else "false")
        if d.is_secret and raw == "" and not request.form.get(f"{d.key}__clear"):
            continue                                  # blank secret: keep the stored value
        submitted[d.key] = raw
    try:
        if refused:
            raise service.SettingsInvalid(refused)
        service.set_many(submitted)
    except service.SettingsInvalid as err:
        errors = {**err.errors, **refused}
        rows = _field_rows(defs, values=submitted, errors=errors)
        # A problem with a setting of another group (a secret bound to an address in this one)
        # has no field here: it travels in the toast.
        rows_keys = {d.key for d in defs}
        g.settings_elsewhere = [msg for key, msg in errors.items() if key not in rows_keys]
        return False, rows
    audit.record("settings.saved", f"Saved {name} settings ({', '.join(sorted(submitted)) or 'nothing changed'})")
    for hook in on_save_hooks(name):
        try:
            hook()
        except Exception as err:  # noqa: BLE001 - the settings are stored; the periodic task catches up
            log.warning("after saving %s: %s", name, err)
    return True, _field_rows(defs)


@bp.get("/")
def index():
    all_groups = [(name, _field_rows(defs)) for name, defs in groups().items()]
    return web.render_page("settings/index.html", groups=all_groups, checkable=checks.CHECKABLE)


@bp.post("/group/<name>")
def save_group(name):
    ok, rows = _save_group(name)
    html = render_template("settings/_group.html", name=name, rows=rows, checkable=checks.CHECKABLE)
    if not ok:
        elsewhere = " ".join(g.get("settings_elsewhere") or [])
        return web.with_toast(html, f"Not saved: {elsewhere}" if elsewhere else "Not saved: fix the highlighted fields.",
                              "error", status=422)
    return web.with_toast(html, f"{name} settings saved.")


@bp.post("/test/<name>")
@limiter.limit("30 per minute")
def test_group(name):
    _group_or_404(name)
    send_to = (request.form.get("_send_test_to") or "").strip() if name == "Email" else ""
    if send_to and send_to != service.get("ADMIN_EMAIL"):
        send_to = ""                    # only ever the admin's own address, never one typed in a form
    result = checks.run(name, request.form.to_dict(), service.get, send_to=send_to)
    checks.record(name, result)
    return render_template("settings/_check_result.html", result=result)


# -- setup wizard --------------------------------------------------------------------------------

@bp.route("/setup", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
@web.public
def wizard():
    """Step 1: the first admin. Locked once an admin exists."""
    if auth_service.has_admin():
        if request.method == "POST":
            abort(403)
        return redirect(url_for("settings.wizard_step", step=WIZARD_STEPS[0]) if _signed_in_admin()
                        else url_for("auth.login"))
    form = AdminForm()
    error = None
    if form.validate_on_submit():
        try:
            user = auth_service.create_first_admin(form.username.data, form.password.data, form.email.data)
        except auth_service.AdminExists:
            # Another tab (or someone else) finished the wizard first: this one creates nothing.
            flash("The admin account was just created in another tab or browser, so this form created "
                  "nothing. Sign in with that account.", "warn")
            return web.hx_redirect(url_for("auth.login"))
        except auth_service.AuthError as err:
            error = str(err)
        else:
            if form.email.data and not service.get("ADMIN_EMAIL") and not service.is_locked("ADMIN_EMAIL"):
                try:
                    service.set_value("ADMIN_EMAIL", form.email.data)
                except Exception:  # noqa: BLE001 - optional convenience  # nosec B110 # the wizard works without it
                    pass
            session.clear()
            user.session_id = auth_service.start_session(user, client_address(), request.user_agent.string)
            login_user(user)
            audit.record("admin.created", f"Admin {user.username} created in the setup wizard", actor=user)
            return web.hx_redirect(url_for("settings.wizard_step", step=WIZARD_STEPS[0]))
    status = 422 if request.method == "POST" else 200
    return web.render_page("settings/wizard_admin.html", "settings/_wizard_admin_form.html", status=status,
                           form=form, error=error, steps=WIZARD_STEPS)


def _signed_in_admin() -> bool:
    from flask_login import current_user

    return current_user.is_authenticated and current_user.is_admin


@bp.route("/setup/<step>", methods=["GET", "POST"])
def wizard_step(step):
    if step not in WIZARD_STEPS:
        abort(404)
    index_ = WIZARD_STEPS.index(step)
    next_url = (url_for("settings.wizard_step", step=WIZARD_STEPS[index_ + 1]) if index_ + 1 < len(WIZARD_STEPS)
                else url_for("settings.wizard_done"))
    prev_url = url_for("settings.wizard_step", step=WIZARD_STEPS[index_ - 1]) if index_ else None
    ctx = dict(step=step, steps=WIZARD_STEPS, next_url=next_url, prev_url=prev_url, help=WIZARD_HELP.get(step, ""),
               title=STEP_TITLES.get(step), checkable=checks.CHECKABLE, finished=_finished_steps(),
               admin_email=service.get("ADMIN_EMAIL") if step == "Email" else "",
               hooks=_webhook_urls() if step == "Webhooks" else [], plex_button=_plex_button() if step == "Plex" else None)
    if request.method == "POST":
        ok, rows = _save_group(step)
        if ok:
            return web.hx_redirect(next_url)
        return web.render_page("settings/wizard_step.html", "settings/_wizard_step_form.html", status=422,
                               rows=rows, **ctx)
    if step == "Server":
        _learn_plex_name()
    rows = _field_rows(_group_or_404(step))
    _prefill(step, rows)
    return web.render_page("settings/wizard_step.html", rows=rows, **ctx)


# Sign in with Plex in the wizard: how long the owner's token waits for a server to be picked.
PLEX_TOKEN_WAITS = 15 * 60


def _plex_button() -> dict:
    from plexportal.gateways import plextv

    return {"client_id": plextv.client_identifier(), "plex_tv": service.get("PLEX_TV_URL")}


def _learn_plex_name() -> None:
    """The name Plex reports, asked now if nothing has read it yet (the admin waits on this page)."""
    if service.get("PLEX_SERVER_NAME") or not (service.get("PLEX_URL") and service.get("PLEX_TOKEN")):
        return
    from plexportal.gateways import plex
    from plexportal.gateways.base import GatewayError

    try:
        info, _libraries = plex.list_libraries(plex.settings_from_store(), timeout=5)
    except GatewayError as err:
        log.info("wizard: could not read the Plex server's name: %s", err.message)
        return
    if info.name:
        service.set_many({"PLEX_SERVER_NAME": info.name[:200]})


def _prefill(step: str, rows: list[dict]) -> None:
    """What the wizard can propose: the address this browser used, its time zone, a new secret."""
    for row in rows:
        key = row["def"].key
        if row["locked"] or service.is_stored(key):
            continue
        if key == "BASE_URL":
            row["value"] = request.host_url.rstrip("/")
            row["note"] = "Filled in from the address this browser used: change it if people use another one."
        elif key == "TIMEZONE":
            row["browser_timezone"] = True
            row["note"] = "Filled in from this browser's time zone."
        elif key == "SERVER_NAME" and service.get("PLEX_SERVER_NAME"):
            row["note"] = "Filled in with the name your Plex server reports."
        elif key == "WEBHOOK_SECRET":
            row["autogenerate"] = True


def _webhook_urls() -> list[tuple[str, str]]:
    base = (service.get("BASE_URL") or request.host_url).rstrip("/")
    return [(label, f"{base}/webhooks/{path}") for label, path in WEBHOOK_APPS]


@bp.route("/setup/Plex/servers", methods=["GET", "POST"])
def wizard_plex_servers():
    """After Sign in with Plex in the wizard: the owner's servers; the one picked is connected."""
    from plexportal.gateways import plextv
    from plexportal.gateways.base import GatewayError

    token = service.pending("PLEX_TOKEN", PLEX_TOKEN_WAITS)
    if not token:
        flash("The Plex sign-in expired: press Sign in with Plex again, or paste a token.", "warn")
        return redirect(url_for("settings.wizard_step", step="Plex"))
    try:
        servers = [s for s in plextv.from_store(timeout=(3, 10)).servers(token) if s.owned]
    except GatewayError as err:
        log.warning("wizard: could not list the Plex servers: %s", err.message)
        servers, error = [], f"plex.tv did not list your servers: {err.message}"
    else:
        error = "" if servers else "This Plex account owns no Plex Media Server. Sign in with the server owner's account."
    if request.method == "POST" and servers:
        chosen = next((s for s in servers if s.machine_identifier == request.form.get("server")), None)
        if chosen is None or not chosen.preferred_uri():
            error = "Choose one of your servers."
        else:
            try:
                service.set_many({"PLEX_URL": chosen.preferred_uri(), "PLEX_TOKEN": token})
            except service.SettingsInvalid as err:
                error = " ".join(err.errors.values())
            else:
                service.pending("PLEX_TOKEN", PLEX_TOKEN_WAITS, pop=True)
                audit.record("settings.saved", f"Connected Plex server {chosen.name} through Sign in with Plex")
                for hook in on_save_hooks("Plex"):
                    try:
                        hook()
                    except Exception as exc:  # noqa: BLE001 - stored; the periodic task catches up
                        log.warning("after connecting Plex: %s", exc)
                flash(f"Connected to {chosen.name} ({chosen.preferred_uri()}).", "ok")
                return web.hx_redirect(url_for("settings.wizard_step", step="Jellyfin"))
    return web.render_page("settings/wizard_plex_servers.html", servers=servers, error=error, steps=WIZARD_STEPS,
                           finished=_finished_steps(), status=422 if request.method == "POST" else 200)


@bp.get("/setup/done")
def wizard_done():
    from plexportal.settings.models import ServiceCheck

    configured = checks.configured_groups(service.get)
    results = {c.service: c for c in ServiceCheck.select()}
    state = {}
    for step in WIZARD_STEPS:
        check = results.get(step)
        if step not in configured:
            state[step] = ("skipped", "muted", "")
        elif check is None:
            state[step] = ("saved", "muted", "not tested yet")
        else:
            state[step] = ("connected", "ok", check.message) if check.ok else ("failed", "bad", check.message)
        if step in STEP_KEYS:
            state[step] = ("done", "ok", "") if step in _finished_steps() else ("skipped", "muted", "")
    return web.render_page("settings/wizard_done.html", steps=WIZARD_STEPS, state=state,
                           secret_set=service.is_stored("WEBHOOK_SECRET"), hooks=_webhook_urls(),
                           finished=_finished_steps())
