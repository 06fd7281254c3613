"""Invites: creating and editing links and presets, and claiming a use (the atomic part).

Provisioning the share on plex.tv lives in provisioning.py, the people afterwards in access.py.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app, url_for
from peewee import IntegrityError, fn

from plexportal import areas
from plexportal.admin import audit
from plexportal.db import db
from plexportal.i18n import N_, Refused
from plexportal.invites import codes
from plexportal.invites.history import changes_of as access_changes  # noqa: F401 - for the people timeline
from plexportal.invites.history import describe as describe_access_change  # noqa: F401
from plexportal.invites.models import Invite, PlexLibrary, PlexState, Preset, Redemption
from plexportal.lib import clock
from plexportal.security import SecretBox

log = logging.getLogger(__name__)

TERM_FIELDS = ("libraries", "allow_sync", "allow_channels", "allow_camera_upload", "filter_ratings",
               "filter_labels", "home", "access_days")
INVITE_FIELDS = TERM_FIELDS + ("label", "note", "expires_at", "max_uses", "enabled", "requires_approval", "preset")


class NotRedeemable(Exception):
    """The invite cannot be used now: reason is missing | disabled | expired | used_up."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class AlreadyRedeemed(Exception):
    def __init__(self, redemption: Redemption):
        super().__init__("already redeemed")
        self.redemption = redemption


# -- reading -----------------------------------------------------------------------------------

def get_invite_by_code(code: str) -> Invite | None:
    norm = codes.normalize(code)
    return Invite.get_or_none(Invite.code == norm) if norm else None


def invite_status(invite: Invite) -> str:
    """active | disabled | expired | used up: what the admin list and the join page show."""
    if not invite.enabled:
        return "disabled"
    if invite.expires_at is not None and invite.expires_at <= clock.now():
        return "expired"
    if invite.max_uses is not None and invite.use_count >= invite.max_uses:
        return "used up"
    return "active"


def is_redeemable(invite: Invite) -> bool:
    return invite_status(invite) == "active"


def join_url(invite: Invite) -> str:
    """The public link: BASE_URL when set, else the address this request came in on, else a path."""
    from flask import has_request_context

    from plexportal.settings import service as settings

    path = f"/join/{invite.code}"
    base = settings.get("BASE_URL")
    if base:
        return base.rstrip("/") + path
    if has_request_context():
        return url_for("invites.join", code=invite.code, _external=True)
    return path


def terms_of(obj) -> dict:
    return {f: getattr(obj, f) for f in TERM_FIELDS}


def libraries() -> list[PlexLibrary]:
    return list(PlexLibrary.select().order_by(PlexLibrary.title))


def library_titles(section_ids: list[int] | None) -> list[str]:
    """Titles for the ids, in the server's order; empty ids mean every library."""
    libs = libraries()
    if not section_ids:
        return [lib.title for lib in libs]
    by_id = {lib.section_id: lib.title for lib in libs}
    return [by_id.get(i, f"library {i}") for i in section_ids]


def default_preset() -> Preset | None:
    from plexportal.settings import service as settings

    name = settings.get("INVITES_DEFAULT_PRESET")
    return Preset.get_or_none(fn.LOWER(Preset.name) == name.strip().lower()) if name else None


def get_preset_by_name(name: str) -> Preset | None:
    return Preset.get_or_none(fn.LOWER(Preset.name) == (name or "").strip().lower())


# -- presets and invites ------------------------------------------------------------------------

def save_preset(values: dict, preset: Preset | None = None, actor=None) -> Preset:
    values = {k: v for k, v in values.items() if k in TERM_FIELDS + ("name",)}
    if preset is None:
        preset = Preset.create(**values)
        audit.record("invites.preset.created", f"Created preset “{preset.name}”", actor)
    else:
        for key, value in values.items():
            setattr(preset, key, value)
        preset.save()
        audit.record("invites.preset.updated", f"Updated preset “{preset.name}”", actor)
    return preset


def delete_preset(preset: Preset, actor=None) -> None:
    name = preset.name
    preset.delete_instance()
    audit.record("invites.preset.deleted", f"Deleted preset “{name}”", actor)


def create_invite(values: dict, *, code: str | None = None, actor=None) -> Invite:
    """Create a link. `values` holds INVITE_FIELDS; a preset fills terms the caller left out."""
    values = dict(values)
    preset = values.get("preset")
    if preset is not None:
        for key in TERM_FIELDS:
            values.setdefault(key, getattr(preset, key))
    fields = {k: v for k, v in values.items() if k in INVITE_FIELDS}
    for _ in range(5):
        try:
            with db.atomic():
                invite = Invite.create(code=codes.normalize(code) if code else codes.new_code(),
                                       created_by=actor.id if actor else None, **fields)
            break
        except IntegrityError:
            if code:
                raise Refused(N_("That code is already in use; choose another.")) from None
    else:  # pragma: no cover - 32^12 codes
        raise RuntimeError("could not find a free invite code")
    audit.record("invites.created", f"Created invite {invite.code} ({describe(invite)})", actor)
    return invite


def update_invite(invite: Invite, values: dict, actor=None) -> Invite:
    changed = []
    for key, value in values.items():
        if key in INVITE_FIELDS and getattr(invite, key) != value:
            setattr(invite, key, value)
            changed.append(key)
    invite.updated_at = clock.now()
    invite.save()
    if changed:
        audit.record("invites.updated", f"Edited invite {invite.code}: {', '.join(changed)}", actor)
    return invite


def set_enabled(invite: Invite, enabled: bool, actor=None) -> None:
    Invite.update(enabled=enabled, updated_at=clock.now()).where(Invite.id == invite.id).execute()
    invite.enabled = enabled
    audit.record("invites.enabled" if enabled else "invites.disabled",
                 f"{'Enabled' if enabled else 'Disabled'} invite {invite.code}", actor)


def delete_invite(invite: Invite, actor=None) -> None:
    code = invite.code
    invite.delete_instance()
    audit.record("invites.deleted", f"Deleted invite {code} (its redemptions are kept)", actor)


def describe(invite: Invite) -> str:
    uses = "unlimited uses" if invite.max_uses is None else f"{invite.max_uses} use{'s' if invite.max_uses != 1 else ''}"
    libs = ", ".join(library_titles(invite.libraries)) or "all libraries"
    return f"{invite.label or 'no label'}; {uses}; {libs}"


# -- claiming a use -------------------------------------------------------------------------------

def _box() -> SecretBox:
    cfg = current_app.config["PLEXPORTAL"]
    return SecretBox(cfg.secret_key, cfg.secret_key_previous)


def seal_token(token: str) -> str:
    return _box().encrypt(token) if token else ""


def open_token(sealed: str) -> str:
    return (_box().decrypt(sealed) or "") if sealed else ""


@dataclass
class Claimant:
    account_key: str
    identifier: str
    via: str
    plex_user_id: int | None = None
    plex_username: str = ""
    email: str = ""
    user_token: str = ""
    language: str = ""              # what their browser asked the join page for (a new person's messages)


def person_for(who: Claimant):
    """The person who just used an invite, found or created at once (invited, waiting for Plex):
    from this moment they are someone the server's messages can reach."""
    from plexportal.people import service as people

    email = who.email or (who.identifier if "@" in who.identifier else "")
    username = who.plex_username or ("" if "@" in who.identifier else who.identifier)
    return people.find_or_create_person("invite", plex_user_id=who.plex_user_id, email=email, username=username,
                                        language=who.language)


def redeem_invite(invite_id: int, who: Claimant) -> Redemption:
    """Claim one use in a single conditional UPDATE and record who claimed it, atomically.
    Raises NotRedeemable, or AlreadyRedeemed when this account used this invite before."""
    existing = Redemption.get_or_none((Redemption.invite == invite_id) & (Redemption.account_key == who.account_key))
    if existing is not None:
        raise AlreadyRedeemed(existing)
    now = clock.now()
    usable = ((Invite.id == invite_id) & (Invite.enabled == True)  # SQL, not Python
              & (Invite.max_uses.is_null() | (Invite.use_count < Invite.max_uses))
              & (Invite.expires_at.is_null() | (Invite.expires_at > now)))
    try:
        with db.atomic():
            if Invite.update(use_count=Invite.use_count + 1).where(usable).execute() != 1:
                raise NotRedeemable(_why_not(invite_id))
            invite = Invite.get_by_id(invite_id)
            redemption = Redemption.create(
                invite=invite, account_key=who.account_key, identifier=who.identifier, via=who.via,
                plex_user_id=who.plex_user_id, plex_username=who.plex_username, email=who.email,
                user_token=seal_token(who.user_token), terms=terms_of(invite),
                state="awaiting_approval" if invite.requires_approval else "claimed",
                user=person_for(who))
    except IntegrityError:
        existing = Redemption.get_or_none((Redemption.invite == invite_id) & (Redemption.account_key == who.account_key))
        if existing is None:
            raise
        raise AlreadyRedeemed(existing) from None
    _after_claim(redemption, f"invite {invite.code} ({invite.label or 'no label'})")
    return redemption


def request_access(who: Claimant, *, approval: bool) -> Redemption:
    """The simple mode: the global code's request form, with the default preset's terms."""
    preset = default_preset()
    terms = terms_of(preset) if preset else {"libraries": [], "allow_sync": False, "allow_channels": False,
                                              "allow_camera_upload": False, "filter_ratings": "", "filter_labels": "",
                                              "home": False, "access_days": None}
    from plexportal.invites.provisioning import plex_state

    plex_state()                        # the row to lock exists (and is committed) before the transaction
    with db.atomic():
        # No unique key covers requests (they have no invite), so the check and the insert run one
        # at a time: two tabs sending the same request at once make one request, not two.
        _serialize_requests()
        existing = (Redemption.select().where((Redemption.invite.is_null())
                                              & (Redemption.account_key == who.account_key)
                                              & (Redemption.state.not_in(["failed", "declined"]))).first())
        if existing is not None:
            raise AlreadyRedeemed(existing)
        redemption = Redemption.create(account_key=who.account_key, identifier=who.identifier, via=who.via,
                                       plex_user_id=who.plex_user_id, plex_username=who.plex_username,
                                       email=who.email, user_token=seal_token(who.user_token), terms=terms,
                                       state="awaiting_approval" if approval else "claimed", user=person_for(who))
    _after_claim(redemption, "the request form")
    return redemption


def _serialize_requests() -> None:
    """Hold the write lock of the PlexState row until the transaction ends (a row lock on
    PostgreSQL, the database's write lock on SQLite): concurrent requests queue behind it. Every
    row, not the first: two first-ever requests at once may each have created one."""
    PlexState.update(message=PlexState.message).execute()


def _why_not(invite_id: int) -> str:
    invite = Invite.get_or_none(Invite.id == invite_id)
    if invite is None:
        return "missing"
    return {"disabled": "disabled", "expired": "expired", "used up": "used_up"}.get(invite_status(invite), "used_up")


def _after_claim(redemption: Redemption, source: str) -> None:
    from plexportal.invites import alerts

    who = redemption.plex_username or redemption.identifier
    audit.record("invites.redeemed", f"{who} used {source} ({redemption.via}); {redemption.state.replace('_', ' ')}")
    alerts.redeemed(redemption, source)
    if redemption.state == "claimed":
        enqueue_provisioning(redemption.id)


def enqueue_provisioning(redemption_id: int) -> None:
    """Provision in the worker, once the transaction that created the redemption commits (law 13)."""
    from plexportal.db import on_commit

    on_commit(_enqueue, redemption_id)


def _enqueue(redemption_id: int) -> None:
    try:
        areas.task("plexportal.invites.tasks.provision_redemption_task")(redemption_id)
    except Exception as err:  # noqa: BLE001 - the row is stored; the retry sweep picks it up
        log.warning("could not enqueue provisioning of %s: %s", redemption_id, err)


# -- approval mode ---------------------------------------------------------------------------------

def approve(redemption: Redemption, actor=None) -> bool:
    done = (Redemption.update(state="claimed", decided_by=getattr(actor, "username", "") or "", updated_at=clock.now())
            .where((Redemption.id == redemption.id) & (Redemption.state == "awaiting_approval")).execute()) == 1
    if done:
        from plexportal.invites import messages

        audit.record("invites.approved", f"Approved {redemption.identifier}", actor)
        messages.send_decision(Redemption.get_by_id(redemption.id), approved=True)
        enqueue_provisioning(redemption.id)
    return done


def decline(redemption: Redemption, actor=None) -> bool:
    with db.atomic():
        done = (Redemption.update(state="declined", decided_by=getattr(actor, "username", "") or "",
                                  user_token="", updated_at=clock.now())
                .where((Redemption.id == redemption.id) & (Redemption.state == "awaiting_approval")).execute()) == 1
        if done and redemption.invite_id:
            # The use goes back to the link: a declined request did not consume it.
            Invite.update(use_count=Invite.use_count - 1).where(
                (Invite.id == redemption.invite_id) & (Invite.use_count > 0)).execute()
    if done:
        from plexportal.invites import messages

        audit.record("invites.declined", f"Declined {redemption.identifier}", actor)
        messages.send_decision(Redemption.get_by_id(redemption.id), approved=False)
    return done


# -- people signing in ---------------------------------------------------------------------------

def person_with_access(plex_user_id: int, email: str = "", username: str = ""):
    """The plexportal user of a Plex account the server is shared with now (its access row is
    active), linked on first use; None for an account without access (never shared, suspended,
    removed, expired). Access rows come from invites and the plex.tv sync (every 10 minutes)."""
    from plexportal.invites.access import link_user
    from plexportal.invites.models import Access

    if not plex_user_id:
        return None
    access = Access.get_or_none(Access.plex_user_id == plex_user_id)
    if access is None or access.status != "active":
        return None
    if access.user_id is not None:
        return access.user
    from plexportal.auth.models import User

    email = email or access.email
    if email and User.select().where((fn.LOWER(User.email) == email.lower()) & (User.role == "admin")).exists():
        email = ""          # never join a person to an admin's row by email: that would make them admin
    with db.atomic():
        user = link_user(plex_user_id, email, username or access.username)
        Access.update(user=user).where((Access.id == access.id) & Access.user.is_null()).execute()
    return user


def has_lost_access(user) -> bool:
    """The person's share of the server was suspended, removed or expired, and no other is active:
    their page link stops working (notify.links)."""
    from plexportal.invites.models import Access

    statuses = {a.status for a in Access.select(Access.status).where(Access.user == user.id)}
    return bool(statuses) and "active" not in statuses


def emails_with_access() -> list[tuple[int | None, str]]:
    """(user id or None, address) of everyone who has access or has been invited and not turned
    away: people on the server, those still to accept their Plex invite, and those who joined by a
    link without an account here yet. Each address once."""
    from plexportal.invites.models import Access

    out: dict[str, tuple[int | None, str]] = {}
    for user_id, email in (Access.select(Access.user, Access.email)
                           .where((Access.status == "active") & (Access.email != "")).tuples()):
        out.setdefault(email.strip().lower(), (user_id, email.strip()))
    for user_id, email in (Redemption.select(Redemption.user, Redemption.email)
                           .where(Redemption.state.in_(("invited", "accepted", "active")) & (Redemption.email != ""))
                           .tuples()):
        out.setdefault(email.strip().lower(), (user_id, email.strip()))
    return list(out.values())


def timed_access_due_to_end() -> list[dict]:
    """Whose timed access has ended while the share is still there (report-only mode leaves them for
    the admin): {"access_id", "name", "expires_at"} each, the oldest first."""
    from plexportal.invites import access

    return [{"access_id": a.id, "name": a.title or a.username or a.email, "expires_at": a.expires_at}
            for a in access.due_to_end()]


def end_timed_access(access_id: int, expires_at_iso: str) -> tuple[str, str]:
    """End one timed share now, if it is still due: ("done" | "stale" | "failed", words)."""
    from plexportal.invites import access

    return access.end_due_now(access_id, expires_at_iso)
