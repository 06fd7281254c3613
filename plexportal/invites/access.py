"""The people with access afterwards: activation, the plex.tv sync, suspend/restore/remove,
changing libraries and permissions, and timed access (reminders, then expiry)."""
from __future__ import annotations

import logging
from datetime import timedelta

from peewee import IntegrityError

from plexportal.admin import audit
from plexportal.auth.models import User
from plexportal.db import db
from plexportal.gateways import plextv
from plexportal.gateways.base import GatewayError
from plexportal.invites import alerts, history, messages, provisioning
from plexportal.invites.models import Access, Redemption
from plexportal.lib import clock, fmt
from plexportal.settings import service as settings

log = logging.getLogger(__name__)
TERM_ATTRS = ("libraries", "allow_sync", "allow_channels", "allow_camera_upload", "filter_ratings", "filter_labels", "home")


def link_user(plex_user_id: int | None, email: str, username: str, person_id: int | None = None) -> User | None:
    """The plexportal person of a Plex account (see people.identity: Plex id, then email, then name);
    `person_id` is the person an invite already made for them."""
    from plexportal.people import service as people

    return people.find_or_create_person("plex", plex_user_id=plex_user_id, email=email, username=username,
                                        person_id=person_id)


def activate(redemption: Redemption, plex_user: plextv.PlexUser | None) -> None:
    """accepted → active: a plexportal user, an access row, the welcome email."""
    terms = redemption.terms or {}
    plex_id = redemption.plex_user_id or (plex_user.id if plex_user else None)
    email = redemption.email or (plex_user.email if plex_user else "")
    username = redemption.plex_username or (plex_user.username if plex_user else "")
    now = clock.now()
    # One transaction: the person, their access row, "active" and the welcome message (law 13); the
    # send is enqueued after the commit. Conditional on "accepted": the sync and the provisioning
    # worker may both get here, and only one of them activates.
    with db.atomic():
        user = link_user(plex_id, email, username, person_id=redemption.user_id)
        if plex_id:
            values = _new_access(redemption, plex_user, terms, now)
            values.update(username=username, email=email, user=user,
                          title=(plex_user.title if plex_user else username) or email)
            _upsert_access(plex_id, values, joined_at=now)
            granted = Access.get(Access.plex_user_id == plex_id)
            history.record(granted, "granted", "invite", at=now, **history.terms_of(granted),
                           note=f"invite {redemption.invite.label or redemption.invite.code}"
                           if redemption.invite_id and redemption.invite else "")
        where = (Redemption.id == redemption.id) & (Redemption.state == "accepted")
        holder = getattr(redemption, "_holder", None)
        if holder:
            where &= Redemption.leased_by == holder
        moved = Redemption.update(state="active", user=user, user_token="", error="", next_retry_at=None,
                                  email=email, plex_username=username, plex_user_id=plex_id,
                                  updated_at=now).where(where).execute()
        if moved != 1:
            raise provisioning.LostClaim(redemption.id)      # rolls the whole activation back
        redemption.state, redemption.email, redemption.plex_username = "active", email, username
        audit.record("invites.active", f"{username or email} now has access")
        messages.send_welcome(redemption, user)


def _new_access(redemption: Redemption, plex_user: plextv.PlexUser | None, terms: dict, now) -> dict:
    """The access row of a person who just accepted: the invite's terms, the share plex.tv shows."""
    share = None
    if plex_user is not None:
        share = plex_user.share_for(provisioning.plex_state().machine_identifier)
    inviter = ""
    if redemption.invite_id and redemption.invite and redemption.invite.created_by_id:
        inviter = redemption.invite.created_by.username
    days = terms.get("access_days")
    values = {k: terms.get(k) for k in TERM_ATTRS if k in terms}
    values.update(share_id=share.id if share else None, pending=bool(share.pending) if share else False,
                  status="active", on_plex=True, redemption=redemption, invited_by=inviter,
                  expires_at=now + timedelta(days=int(days)) if days else None, reminded_at=None,
                  changed_at=now, synced_at=now)
    return values


def _upsert_access(plex_id: int, values: dict, **on_create) -> None:
    """One access row per Plex account, whoever writes first (a sync and "Sync now" at once)."""
    existing = Access.get_or_none(Access.plex_user_id == plex_id)
    if existing is None:
        try:
            with db.atomic():
                Access.create(plex_user_id=plex_id, **on_create, **values)
            return
        except IntegrityError:
            existing = Access.get(Access.plex_user_id == plex_id)     # the other writer won: update theirs
            on_create.pop("libraries", None)
    Access.update(**values).where(Access.id == existing.id).execute()


# -- sync from plex.tv -----------------------------------------------------------------------------

def sync() -> dict:
    """Read the owner's user list once: refresh every access row and finish invites people accepted."""
    gw = plextv.from_store()
    try:
        mid = provisioning.machine_identifier()
        users = gw.users()
    except GatewayError as err:
        provisioning.note_error(err)
        raise
    now = clock.now()
    seen = {user.id for user in users if _refresh_access(gw, mid, user, now)}
    gone = (Access.status == "active") & (Access.plex_user_id.not_in(list(seen) or [0]))
    with db.atomic():
        for left in Access.select().where(gone & Access.on_plex):
            history.record(left, "removed", "sync", at=now, note="no longer listed on plex.tv")
        Access.update(on_plex=False, synced_at=now).where(gone).execute()
    advanced = sum(_finish_accepted(redemption, users, mid, now)
                   for redemption in Redemption.select().where(Redemption.state == "invited"))
    return {"users": len(seen), "activated": advanced}


def _refresh_access(gw: plextv.PlexTV, mid: str, user: plextv.PlexUser, now) -> bool:
    """Bring one plex.tv user's access row up to date; False when they have nothing of ours."""
    share = user.share_for(mid)
    if share is None and not user.home:
        return False
    values = dict(username=user.username, email=user.email, title=user.title or user.username, thumb=user.thumb,
                  share_id=share.id if share else None, pending=share.pending if share else False,
                  allow_sync=user.allow_sync, allow_channels=user.allow_channels,
                  allow_camera_upload=user.allow_camera_upload, home=user.home, on_plex=True,
                  last_seen_at=share.last_seen_at if share else None, synced_at=now)
    existing = Access.get_or_none(Access.plex_user_id == user.id)
    if existing is None or existing.user_id is None:
        # The plex.tv user list is a door too: everyone with a share is a person from now on.
        values["user"] = link_user(user.id, user.email, user.username)
    if existing is None:
        # Someone shared outside plexportal: learn their libraries once (one call per new person).
        libraries = _shared_ids(gw, mid, share.id, share.all_libraries) if share else []
        with db.atomic():
            _upsert_access(user.id, values, status="active", joined_at=now, changed_at=now, libraries=libraries)
            row = Access.get(Access.plex_user_id == user.id)
            history.record(row, "granted", "sync", at=now, **history.terms_of(row), note="shared outside plexportal")
        return True
    revived = existing.status in ("suspended", "removed", "expired")
    if revived:
        values["status"] = "active"     # shared again outside plexportal
    before = history.terms_of(existing)
    with db.atomic():
        Access.update(**values).where(Access.id == existing.id).execute()
        row = Access.get_by_id(existing.id)
        if revived:
            history.record(row, "restored", "sync", at=now, note="shared again outside plexportal")
        elif existing.status == "active" and not existing.on_plex:
            history.record(row, "restored", "sync", at=now, note="listed on plex.tv again")
        history.record_differences(row, before, "sync", at=now)
    return True


def _finish_accepted(redemption: Redemption, users: list[plextv.PlexUser], mid: str, now) -> bool:
    """An invited person whose share plex.tv shows as accepted becomes active; True when it did."""
    match = next((u for u in users if (redemption.plex_user_id and u.id == redemption.plex_user_id)
                  or redemption.identifier.lower() in (u.email.lower(), u.username.lower())), None)
    share = match.share_for(mid) if match else None
    if match is None or share is None or share.pending:
        return False
    moved = (Redemption.update(state="accepted", plex_user_id=redemption.plex_user_id or match.id, updated_at=now)
             .where((Redemption.id == redemption.id) & (Redemption.state == "invited")
                    & (Redemption.lease_until.is_null() | (Redemption.lease_until < now))).execute())
    if moved != 1:
        return False                        # a worker is provisioning it, or a concurrent sync got it
    try:
        activate(Redemption.get_by_id(redemption.id), match)
    except provisioning.LostClaim:
        return False
    return True


# -- admin actions -----------------------------------------------------------------------------------

def _perms(access: Access) -> plextv.Permissions:
    return provisioning.permissions({k: getattr(access, k) for k in TERM_ATTRS})


def _call(fn_, *args):
    try:
        return fn_(*args)
    except GatewayError as err:
        provisioning.note_error(err)
        raise


def update_terms(access: Access, values: dict, actor=None) -> None:
    before = history.terms_of(access)
    for key, value in values.items():
        if key in TERM_ATTRS:
            setattr(access, key, value)
    gw = plextv.from_store()
    mid = provisioning.machine_identifier()
    if access.status == "active":
        if access.share_id:
            _call(gw.update_share, mid, access.share_id, provisioning.section_ids({"libraries": access.libraries}))
        _call(gw.update_permissions, access.plex_user_id, _perms(access))
    access.changed_at = clock.now()
    with db.atomic():
        access.save()
        audit.record("invites.access.updated", f"Changed libraries/permissions of {access.title or access.username}",
                     actor)
        history.record_differences(access, before, "admin", actor, at=access.changed_at)


def _shared_ids(gw: plextv.PlexTV, mid: str, share_id: int, all_libraries: bool = False) -> list[int]:
    """The libraries a share really has; [] (= all) when it shares everything or cannot be read."""
    if all_libraries:
        return []
    try:
        return sorted(s.id for s in gw.shared_sections(mid, share_id) if s.shared)
    except GatewayError as err:
        log.warning("could not read the libraries of share %s: %s", share_id, err.message)
        return []


def suspend(access: Access, actor=None) -> None:
    """Remove the share on plex.tv but keep every setting here for a one-click restore."""
    gw = plextv.from_store()
    if access.share_id:
        # Keep what plex.tv really shares (it may have been changed there), so restore is exact.
        mid = provisioning.machine_identifier()
        ids = _shared_ids(gw, mid, access.share_id)
        if ids:
            Access.update(libraries=ids).where(Access.id == access.id).execute()
            access.libraries = ids
    _call(gw.remove_home_user if access.home and not access.share_id else gw.remove_friend, access.plex_user_id)
    now = clock.now()
    with db.atomic():
        Access.update(status="suspended", share_id=None, pending=False, changed_at=now).where(
            Access.id == access.id).execute()
        audit.record("invites.access.suspended", f"Suspended {access.title or access.username}", actor)
        history.record(access, "suspended", "admin", actor, at=now)


def restore(access: Access, actor=None) -> None:
    """Share again with the libraries and permissions kept at suspension (a new Plex invite)."""
    gw = plextv.from_store()
    mid = provisioning.machine_identifier()
    ids = provisioning.section_ids({"libraries": access.libraries})
    ident = access.email or access.username
    try:
        _call(gw.invite_friend, mid, ident, ids, _perms(access))
    except plextv.AlreadySharing:
        user = next((u for u in _call(gw.users) if u.id == access.plex_user_id), None)
        share = user.share_for(mid) if user else None
        if share is not None:
            _call(gw.update_share, mid, share.id, ids)
        _call(gw.update_permissions, access.plex_user_id, _perms(access))
    now = clock.now()
    expires = access.expires_at if access.expires_at and access.expires_at > now else None
    with db.atomic():
        Access.update(status="active", pending=True, expires_at=expires, reminded_at=None, changed_at=now).where(
            Access.id == access.id).execute()
        audit.record("invites.access.restored", f"Restored {access.title or access.username}", actor)
        history.record(access, "restored", "admin", actor, at=now)
        if access.expires_at and expires is None:
            history.record(access, "expiry", "admin", actor, at=now, before=fmt.isotime(access.expires_at),
                           after=None, note="the old end date had passed")


def remove(access: Access, actor=None) -> None:
    gw = plextv.from_store()
    if access.status == "active":
        _call(gw.remove_home_user if access.home and not access.share_id else gw.remove_friend, access.plex_user_id)
    now = clock.now()
    with db.atomic():
        Access.update(status="removed", share_id=None, changed_at=now).where(Access.id == access.id).execute()
        audit.record("invites.access.removed", f"Removed {access.title or access.username}", actor)
        history.record(access, "removed", "admin", actor, at=now)


def extend(access: Access, days: int | None, actor=None) -> None:
    """Add days to timed access (from now if it already ended); None makes it permanent."""
    now = clock.now()
    if days is None:
        expires = None
    else:
        start = access.expires_at if access.expires_at and access.expires_at > now else now
        expires = start + timedelta(days=days)
    before = history.terms_of(access)
    with db.atomic():
        Access.update(expires_at=expires, reminded_at=None, changed_at=now).where(Access.id == access.id).execute()
        access.expires_at = expires
        audit.record("invites.access.extended", f"Access of {access.title or access.username} now ends "
                     f"{fmt.zoned(expires) if expires else 'never'}", actor)
        history.record_differences(access, before, "admin", actor, at=now)


def expire_due() -> dict:
    """Reminders before the end, then the end itself: state-based, so a late worker catches up."""
    now = clock.now()
    days = settings.get_int("INVITES_REMINDER_DAYS")
    reminded = expired = 0
    if days > 0:
        soon = (Access.select().where((Access.status == "active") & Access.expires_at.is_null(False)
                                      & (Access.expires_at > now) & (Access.expires_at <= now + timedelta(days=days))
                                      & Access.reminded_at.is_null()))
        for access in soon:
            if Access.update(reminded_at=now).where((Access.id == access.id) & Access.reminded_at.is_null()).execute():
                messages.send_expiry_reminder(access)
                alerts.access_expiring(access)
                reminded += 1
    if settings.get("ACCESS_EXPIRY_MODE") != "auto":
        # Report only: the Health page lists them (due_to_end) and end_due_now does it on a yes.
        return {"reminded": reminded, "expired": 0}
    gw = None
    for access in due_to_end():
        gw = gw or plextv.from_store()
        try:
            _call(gw.remove_home_user if access.home and not access.share_id else gw.remove_friend, access.plex_user_id)
        except GatewayError as err:
            log.warning("could not end access of %s yet: %s", access.plex_user_id, err.message)
            continue
        _ended(access, now)
        expired += 1
    return {"reminded": reminded, "expired": expired}


def _ended(access: Access, now, note: str = "") -> None:
    with db.atomic():
        Access.update(status="expired", share_id=None, changed_at=now).where(Access.id == access.id).execute()
        audit.record("invites.access.expired", f"Access of {access.title or access.username} ended (timed access)")
        history.record(access, "expired", "expiry", at=now, note=note)
    alerts.access_expired(access)


def due_to_end() -> list[Access]:
    """People whose timed access has ended but who still have their share."""
    return list(Access.select().where((Access.status == "active") & Access.expires_at.is_null(False)
                                      & (Access.expires_at <= clock.now())).order_by(Access.expires_at))


def end_due_now(access_id: int, expires_at_iso: str) -> tuple[str, str]:
    """The admin's yes to ending one timed share: ("done" | "stale" | "failed", what happened in words).
    Stale (nothing sent to plex.tv) when the access was extended, ended or removed meanwhile."""
    access = Access.get_or_none(Access.id == access_id)
    name = (access.title or access.username or access.email) if access else "That person"
    now = clock.now()
    if (access is None or access.status != "active" or access.expires_at is None or access.expires_at > now
            or access.expires_at.isoformat() != expires_at_iso):
        return "stale", (f"{name}'s access is no longer due to end (extended, ended or removed meanwhile): "
                         "nothing was done.")
    gw = plextv.from_store()
    try:
        _call(gw.remove_home_user if access.home and not access.share_id else gw.remove_friend, access.plex_user_id)
    except GatewayError as err:
        return "failed", f"plex.tv did not take the change ({err.message}): {name} still has access."
    _ended(access, now, note="ended on the admin's yes")
    return "done", f"Done: ended {name}'s Plex share (timed access ended {fmt.zoned(access.expires_at)})."
