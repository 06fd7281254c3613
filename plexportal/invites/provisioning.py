"""Turning a claimed use into a working share on plex.tv, as a visible state machine:

claimed → invited (share created, or an existing share updated) → accepted (auto-accepted with the
person's own token, or seen accepted in the owner's user list) → active (plexportal user, access
row, welcome email). Transient plex.tv failures (429, 5xx, timeouts) retry with backoff; anything
else is `failed` with the reason for the admin. No database transaction is held across a call.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from plexportal import areas
from plexportal.admin import audit
from plexportal.db import db
from plexportal.gateways import plex as plex_gateway
from plexportal.gateways import plextv
from plexportal.gateways.base import GatewayError
from plexportal.invites import access, alerts
from plexportal.invites.models import PlexLibrary, PlexState, Redemption
from plexportal.invites.service import enqueue_provisioning, open_token
from plexportal.lib import clock
from plexportal.lib.lease import Heartbeat, holder_id
from plexportal.settings import service as settings

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
BACKOFF_BASE = 30          # seconds: 30 s, 1, 2, 4, 8 min …
BACKOFF_CAP = 30 * 60


# -- the server and its libraries ---------------------------------------------------------------

def plex_state() -> PlexState:
    state = PlexState.select().order_by(PlexState.id).first()
    return state or PlexState.create()


def machine_identifier() -> str:
    state = plex_state()
    if state.machine_identifier:
        return state.machine_identifier
    refresh_libraries()
    return plex_state().machine_identifier


def refresh_libraries() -> list[PlexLibrary]:
    """Ask the server who it is, then plex.tv for its libraries' global ids (one call each)."""
    info, _local = plex_gateway.list_libraries(plex_gateway.settings_from_store(), timeout=10)
    try:
        sections = plextv.from_store().server_sections(info.machine_identifier)
    except GatewayError as err:
        note_error(err)
        raise
    now = clock.now()
    state = plex_state()
    PlexState.update(machine_identifier=info.machine_identifier, server_name=info.name).where(
        PlexState.id == state.id).execute()
    remember_server_name(info.name)
    seen = []
    for s in sections:
        seen.append(s.id)
        (PlexLibrary.insert(section_id=s.id, key=s.key, title=s.title, type=s.type, refreshed_at=now)
         .on_conflict(conflict_target=[PlexLibrary.section_id],
                      update={PlexLibrary.key: s.key, PlexLibrary.title: s.title, PlexLibrary.type: s.type,
                              PlexLibrary.refreshed_at: now}).execute())
    if seen:
        PlexLibrary.delete().where(PlexLibrary.section_id.not_in(seen)).execute()
    return list(PlexLibrary.select().order_by(PlexLibrary.title))


def remember_server_name(name: str) -> None:
    """The name Plex reports, used wherever SERVER_NAME is not set by the admin."""
    from plexportal.settings import service as settings

    name = (name or "").strip()[:200]
    if name and settings.get("PLEX_SERVER_NAME") != name:
        settings.set_many({"PLEX_SERVER_NAME": name})


def is_plex_connected() -> bool:
    from plexportal.settings import service as settings

    return bool(settings.get("PLEX_URL") and settings.get("PLEX_TOKEN"))


def learn_server() -> list[PlexLibrary] | None:
    """Name, machine id and libraries, read from Plex and plex.tv when Plex is connected."""
    if not is_plex_connected():
        return None
    return refresh_libraries()


def check_token() -> tuple[bool, str]:
    """Is the owner's token still good at plex.tv? Records the answer for the dashboard."""
    try:
        account = plextv.from_store(timeout=(3, 8)).account()
    except GatewayError as err:
        note_error(err)
        if err.status != 401:
            _record_state(None, err.message)
        return False, err.message
    _record_state(True, f"Signed in to plex.tv as {account.username or account.email}.")
    return True, plex_state().message


def _record_state(ok, message: str) -> None:
    state = plex_state()
    PlexState.update(token_ok=ok, message=message[:300], checked_at=clock.now()).where(PlexState.id == state.id).execute()


def note_error(err: GatewayError) -> None:
    """A 401 with the owner's token means it was revoked: say so once, everywhere."""
    if err.status == 401:
        _record_state(False, err.message)
        alerts.token_invalid(err.message)


# -- terms → plex.tv ------------------------------------------------------------------------------

def permissions(terms: dict) -> plextv.Permissions:
    video = plextv.filter_string(terms.get("filter_ratings", ""), terms.get("filter_labels", ""))
    return plextv.Permissions(allow_sync=bool(terms.get("allow_sync")), allow_channels=bool(terms.get("allow_channels")),
                              allow_camera_upload=bool(terms.get("allow_camera_upload")), filter_movies=video,
                              filter_television=video, filter_music=plextv.filter_string("", terms.get("filter_labels", "")))


def section_ids(terms: dict) -> list[int]:
    """The invite's libraries, or every library when it names none (plex.tv gets explicit ids)."""
    ids = [int(i) for i in terms.get("libraries") or []]
    if ids:
        return ids
    libs = [lib.section_id for lib in PlexLibrary.select().order_by(PlexLibrary.section_id)]
    if not libs:
        libs = [lib.section_id for lib in refresh_libraries()]
    return libs


def find_plex_user(gw: plextv.PlexTV, redemption: Redemption) -> plextv.PlexUser | None:
    ident = (redemption.identifier or "").lower()
    for user in gw.users():
        if redemption.plex_user_id and user.id == redemption.plex_user_id:
            return user
        if ident and ident in (user.email.lower(), user.username.lower()):
            return user
    return None


# -- the state machine -------------------------------------------------------------------------------

class LostClaim(Exception):
    """The redemption changed under us (an admin, the sync): stop without writing anything more."""


WORKING = ("claimed", "invited", "accepted")


def _set(redemption: Redemption, **fields) -> None:
    """A transition: only from the state we hold, and (inside provision) only while we hold the
    lease. Raises LostClaim when the row is no longer ours to change."""
    fields["updated_at"] = clock.now()
    where = (Redemption.id == redemption.id) & (Redemption.state == redemption.state)
    holder = getattr(redemption, "_holder", None)
    if holder:
        where &= Redemption.leased_by == holder
    if Redemption.update(**fields).where(where).execute() != 1:
        raise LostClaim(redemption.id)
    for key, value in fields.items():
        setattr(redemption, key, value)


def lease_length() -> timedelta:
    return timedelta(seconds=settings.get_int("WORKER_LEASE_SECONDS"))


def _take_lease(redemption_id: int, holder: str) -> bool:
    now = clock.now()
    return (Redemption.update(leased_by=holder, lease_until=now + lease_length())
            .where((Redemption.id == redemption_id) & Redemption.state.in_(WORKING)
                   & (Redemption.lease_until.is_null() | (Redemption.lease_until < now)))
            .execute()) == 1


def _renew_lease(redemption_id: int, holder: str) -> None:
    (Redemption.update(lease_until=clock.now() + lease_length())
     .where((Redemption.id == redemption_id) & (Redemption.leased_by == holder)).execute())


def _drop_lease(redemption_id: int, holder: str) -> None:
    (Redemption.update(leased_by="", lease_until=None)
     .where((Redemption.id == redemption_id) & (Redemption.leased_by == holder)).execute())


def provision(redemption_id: int) -> str:
    """Advance one redemption as far as it can go now; returns its state. Claim a state (a lease
    on the row, renewed while we work), act on plex.tv, record the new state conditionally: the
    retry task and the minute sweep can never provision the same redemption twice at once."""

    redemption = Redemption.get_or_none(Redemption.id == redemption_id)
    if redemption is None or redemption.state not in WORKING:
        return redemption.state if redemption else "missing"
    holder = holder_id()
    if not _take_lease(redemption_id, holder):
        return redemption.state                   # another worker is on it
    redemption = Redemption.get_by_id(redemption_id)
    redemption._holder = holder
    try:
        with Heartbeat(lambda: _renew_lease(redemption_id, holder), every=lease_length().total_seconds() / 3):
            _advance(redemption)
    except LostClaim:
        log.info("redemption %s changed while it was being provisioned; left as it is", redemption_id)
    finally:
        _drop_lease(redemption_id, holder)
    return Redemption.get_by_id(redemption_id).state


def _advance(redemption: Redemption) -> None:
    if redemption.state not in WORKING:
        return
    gw = plextv.from_store()
    try:
        mid = machine_identifier()
        if redemption.state == "claimed":
            _share(gw, mid, redemption)
        if redemption.state == "invited":
            _accept(gw, mid, redemption)
        if redemption.state == "accepted":

            access.activate(redemption, find_plex_user(gw, redemption))
    except GatewayError as err:
        _failed_attempt(redemption, err)


def _libraries(ids: list[int]) -> str:
    """Libraries by their names, as the admin knows them ("Films, TV Shows"), for the audit log."""
    from plexportal.invites import service

    return ", ".join(service.library_titles(ids)) if ids else "every library"


def _share(gw: plextv.PlexTV, mid: str, redemption: Redemption) -> None:
    terms = redemption.terms or {}
    ids, perms = section_ids(terms), permissions(terms)
    try:
        if terms.get("home"):
            gw.invite_home_user(redemption.identifier)
        gw.invite_friend(mid, redemption.identifier, ids, perms)
        audit.record("invites.shared", f"Shared the server with {redemption.identifier} ({_libraries(ids)})")
    except plextv.AlreadySharing:
        # A returning person: bring their existing share in line with this invite and call it done.
        user = find_plex_user(gw, redemption)
        share = user.share_for(mid) if user else None
        if user is None or share is None:
            raise GatewayError("plex.tv says the server is already shared, but the share was not found.",
                               permanent=True) from None
        gw.update_share(mid, share.id, ids)
        gw.update_permissions(user.id, perms)
        audit.record("invites.share-updated", f"{redemption.identifier} already had the server; updated the share "
                     f"to {_libraries(ids)}")
        _set(redemption, plex_user_id=redemption.plex_user_id or user.id, error="", next_retry_at=None,
             state="invited" if share.pending else "accepted")
        return
    _set(redemption, state="invited", error="", next_retry_at=None)


def _accept(gw: plextv.PlexTV, mid: str, redemption: Redemption) -> None:
    token = open_token(redemption.user_token)
    if token:
        try:
            if gw.accept_share_from(token, mid):
                audit.record("invites.accepted", f"Accepted the share for {redemption.plex_username or redemption.identifier}")
                _set(redemption, state="accepted", user_token="")
                return
        except GatewayError as err:
            if not err.permanent:
                raise
            # The person's own token failed; they can still accept from Plex's email.
            log.warning("auto-accept for redemption %s failed: %s", redemption.id, err.message)
            _set(redemption, user_token="", error=f"Auto-accept failed: {err.message}"[:500])
            token = ""          # nothing left to retry with: wait for them to accept
    user = find_plex_user(gw, redemption)
    share = user.share_for(mid) if user else None
    if user is not None and share is not None and not share.pending:
        _set(redemption, state="accepted", plex_user_id=redemption.plex_user_id or user.id, next_retry_at=None)
    elif token and redemption.attempts < 3:
        # plex.tv can take a moment before the new share shows up in the person's pending list.
        raise GatewayError("The share invite is not visible to the person yet; will retry.")
    elif token:
        _set(redemption, user_token="", next_retry_at=None)


def _failed_attempt(redemption: Redemption, err: GatewayError) -> None:
    note_error(err)
    attempts = redemption.attempts + 1
    if err.permanent or attempts >= MAX_ATTEMPTS:
        with db.atomic():                 # "failed" and its alert together (law 13)
            _set(redemption, state="failed", attempts=attempts, error=err.message[:500], next_retry_at=None,
                 public_reason=redemption.public_reason or "generic")
            audit.record("invites.failed", f"Sharing with {redemption.identifier} failed: {err.message}")
            alerts.provisioning_failed(redemption, err.message)
        return
    delay = min(BACKOFF_BASE * 2 ** (attempts - 1), BACKOFF_CAP)
    _set(redemption, attempts=attempts, error=err.message[:500], next_retry_at=clock.now() + timedelta(seconds=delay))

    try:
        areas.task("plexportal.invites.tasks.provision_redemption_task").schedule((redemption.id,), delay=delay)
    except Exception as exc:  # noqa: BLE001 - next_retry_at makes the sweep pick it up
        log.warning("could not schedule retry of %s: %s", redemption.id, exc)


def due_for_retry() -> list[int]:
    """Redemptions whose retry time has come, or that a lost task left behind (the sweep, so a
    worker restart loses nothing). `invited` ones waiting on the person are advanced by the sync."""
    now = clock.now()
    free = Redemption.lease_until.is_null() | (Redemption.lease_until < now)
    rows = Redemption.select(Redemption.id).where(free & (
        (Redemption.state.in_(WORKING) & (Redemption.next_retry_at <= now))
        # a worker was killed while it held this one: its lease ran out
        | (Redemption.state.in_(WORKING) & (Redemption.lease_until < now))
        | (Redemption.state.in_(["claimed", "accepted"]) & Redemption.next_retry_at.is_null()
           & (Redemption.updated_at <= now - timedelta(minutes=5)))))
    return [r.id for r in rows]


def next_lease_end():
    """When the earliest lease held on a redemption runs out (None when none is held)."""
    row = (Redemption.select(Redemption.lease_until).where(Redemption.lease_until.is_null(False))
           .order_by(Redemption.lease_until).first())
    return row.lease_until if row else None


def retry(redemption: Redemption, actor=None) -> bool:
    done = (Redemption.update(state="claimed", attempts=0, error="", next_retry_at=None, updated_at=clock.now())
            .where((Redemption.id == redemption.id) & (Redemption.state == "failed")).execute()) == 1
    if done:
        audit.record("invites.retried", f"Retrying the share for {redemption.identifier}", actor)

        enqueue_provisioning(redemption.id)
    return done
