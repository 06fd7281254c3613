"""Who is this? The one function that finds or creates a person (DESIGN law 12), and merging.

Every door (an invite, Sign in with Plex, the plex.tv user sync, a Seerr webhook or sync, Jellyfin,
the CLI) describes what it saw as a `Sighting` and calls `find_or_create`. Matching, strongest
first: Plex account id, Seerr user id, Jellyfin user id, then email, then Plex username.

- Ids prove: a sighting whose ids belong to two rows merges them (the older row, or the admin, is
  kept). Email and username only point: they never match a row whose ids of the same kind differ
  (a family sharing one email stays two people), never an admin, and not when several people
  share them.
- Race-safe: each way of recognising someone is a unique `IdentityKey`, inserted in the same
  transaction as a new row. Of two first sightings of one human at the same moment, the second
  insert fails, its transaction rolls back and the retry finds the first one's row (the pattern of
  `notify/batching.py`).
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC

from peewee import IntegrityError, fn

from plexportal.auth.models import User
from plexportal.db import db
from plexportal.i18n import supported
from plexportal.lib import clock
from plexportal.people import merging
from plexportal.people.models import STRONG, IdentityKey, PersonEvent

log = logging.getLogger(__name__)

ATTEMPTS = 6
# The person row's column for each kind of id (also unique there).
COLUMNS = {"plex": "plex_user_id", "seerr": "seerr_user_id", "jellyfin": "jellyfin_user_id"}
SOURCES = ("invite", "plex", "seerr", "jellyfin", "cli", "admin")


class MergeRefused(ValueError):
    """A merge that would lose something or cannot be meant; the message says why."""


@dataclass(frozen=True)
class Sighting:
    """What one door knows about a human. `username` is a Plex username; `display_name` is any
    name shown for them (Seerr's display name, Jellyfin's user name)."""
    source: str
    plex_user_id: int | None = None
    seerr_user_id: int | None = None
    jellyfin_user_id: str | None = None
    email: str = ""
    username: str = ""
    display_name: str = ""
    avatar: str = ""
    # The person the door already knows this is (an invite's redemption, then activated): the ids
    # seen are theirs, and a row holding them is the same human.
    person_id: int | None = None
    # The language their browser asked for at the door (the join page): a person who has chosen
    # none reads their messages in it.
    language: str = ""

    def ids(self) -> dict[str, str]:
        """{kind: value} of the account ids present, strongest first."""
        values = {"plex": self.plex_user_id, "seerr": self.seerr_user_id, "jellyfin": self.jellyfin_user_id}
        return {kind: str(v).strip().lower() for kind, v in values.items() if v not in (None, "", 0)}

    def weak(self) -> dict[str, str]:
        out = {}
        email = normal_email(self.email)
        if email:
            out["email"] = email
        name = (self.username or "").strip().lower()
        if name:
            out["name"] = name
        return out

    def keys(self) -> dict[str, str]:
        return {kind: f"{kind}:{value}" for kind, value in {**self.ids(), **self.weak()}.items()}


def normal_email(email: str | None) -> str:
    email = (email or "").strip().lower()
    return email if "@" in email and len(email) <= 254 else ""


# -- find or create --------------------------------------------------------------------------------

def find_or_create(sighting: Sighting) -> User | None:
    """The one row for the human behind this sighting, created when new; None when the sighting
    carries nothing to recognise anyone by. Safe to call concurrently and inside a transaction."""
    if not sighting.keys() and not sighting.person_id:
        return None
    for attempt in range(ATTEMPTS):
        try:
            with db.atomic():
                return _resolve(sighting)
        except IntegrityError as err:
            # Another sighting inserted one of these keys (or the same user name) first: look again.
            if attempt == ATTEMPTS - 1:
                raise
            log.debug("identity retry %s for %s: %s", attempt + 1, sighting.source, err)
    return None    # pragma: no cover - the loop returns or raises


def _key_owners(s: Sighting) -> dict[str, int]:
    keys = list(s.keys().values())
    return dict(IdentityKey.select(IdentityKey.key, IdentityKey.user).where(IdentityKey.key.in_(keys)).tuples())


def _resolve(s: Sighting) -> User:
    # Who held each key when this decision was made: a key taken by someone else later, before the
    # writes below, was taken by a concurrent sighting, and the decision is made again.
    taken = _key_owners(s)
    owners: list[int] = []
    if s.person_id and User.select().where(User.id == s.person_id).exists():
        owners.append(s.person_id)
    for kind, value in s.ids().items():
        uid = _owner_of(kind, value)
        if uid is not None and uid not in owners:
            owners.append(uid)
    user = None
    if owners:
        user = User.get_by_id(owners[0])
        for uid in owners[1:]:
            other = User.get_or_none(User.id == uid)
            if other is not None and other.id != user.id:
                kinds = ", ".join(k for k in s.ids())
                try:
                    with db.atomic():
                        user = _merge(user, other, automatic=True,
                                      reason=f"the same {kinds} account ids were seen together ({s.source})")
                except MergeRefused as err:     # two admins: their owner decides, the door goes on
                    log.warning("people: not merging #%s and #%s: %s", user.id, other.id, err)
    else:
        user = _by_weak(s)
    if user is not None:
        user = _absorb_weak(user, s)
    if user is None:
        return _create(s, taken)
    _attach(user, s, taken)
    return User.get_by_id(user.id)


def _owner_of(kind: str, value: str) -> int | None:
    row = IdentityKey.get_or_none(IdentityKey.key == f"{kind}:{value}")
    if row is not None:
        return row.user_id
    column = getattr(User, COLUMNS[kind])
    try:
        wanted = int(value) if kind != "jellyfin" else value
    except ValueError:
        return None
    found = User.select(User.id).where(column == wanted).first()
    return found.id if found else None


def strong_ids(user_id: int) -> dict[str, set[str]]:
    """Every account id a person row holds, by kind (its columns and the keys of rows merged in)."""
    out: dict[str, set[str]] = {k: set() for k in STRONG}
    user = User.get_by_id(user_id)
    for kind, column in COLUMNS.items():
        value = getattr(user, column)
        if value not in (None, ""):
            out[kind].add(str(value).lower())
    for kind, key in IdentityKey.select(IdentityKey.kind, IdentityKey.key).where(
            (IdentityKey.user == user_id) & IdentityKey.kind.in_(STRONG)).tuples():
        out[kind].add(key.split(":", 1)[1])
    return out


def conflicts(user_id: int, s: Sighting) -> list[str]:
    """The kinds of account id this person holds and the sighting contradicts (another id of the
    same kind): a reason not to match them on email or name."""
    held = strong_ids(user_id)
    return [kind for kind, value in s.ids().items() if held[kind] and value not in held[kind]]


def _contradict(a: int, b: int) -> bool:
    """Two rows hold different account ids of the same kind (and no shared one): two humans."""
    ha, hb = strong_ids(a), strong_ids(b)
    return any(ha[k] and hb[k] and not ha[k] & hb[k] for k in STRONG)


def _absorb_weak(user: User, s: Sighting) -> User:
    """The row the sighting's ids found also takes in the row its email (then name) points at,
    when nothing tells them apart: that row would have been matched by this sighting on its own."""
    for kind, value in s.weak().items():
        row = IdentityKey.get_or_none(IdentityKey.key == f"{kind}:{value}")
        if row is None or row.user_id == user.id:
            continue
        other = User.get_by_id(row.user_id)
        if other.is_admin or conflicts(other.id, s) or _contradict(user.id, other.id):
            continue
        user = _merge(user, other, reason=f"the {kind} {value} belongs to this person's accounts ({s.source})",
                      automatic=True)
    return user


def _by_weak(s: Sighting) -> User | None:
    """The one person the email (then the Plex username) points at, if exactly one fits."""
    for kind, value in s.weak().items():
        candidates = set()
        row = IdentityKey.get_or_none(IdentityKey.key == f"{kind}:{value}")
        if row is not None:
            candidates.add(row.user_id)
        column = fn.LOWER(User.email) if kind == "email" else fn.LOWER(User.plex_username)
        candidates |= {u.id for u in User.select(User.id).where(column == value)}
        people = [uid for uid in sorted(candidates) if not User.get_by_id(uid).is_admin]
        if not people:
            continue
        fitting = [uid for uid in people if not conflicts(uid, s)]
        if len(people) == 1 and fitting:
            return User.get_by_id(fitting[0])
        return None     # shared by several people, or the one it names has other ids: a new person
    return None


def free_username(wanted: str) -> str:
    base = re.sub(r"[^\w.@+-]", "", wanted or "")[:140] or "person"
    name, n = base, 1
    while User.select().where(User.username == name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def _create(s: Sighting, taken: dict[str, int]) -> User:
    email = normal_email(s.email)
    ids = s.ids()
    user = User.create(
        username=free_username(s.username or (email.split("@")[0] if email else "") or s.display_name),
        email=email or None, display_name=(s.display_name or "")[:150], role="user",
        plex_user_id=s.plex_user_id or None, seerr_user_id=s.seerr_user_id or None,
        jellyfin_user_id=ids.get("jellyfin"), plex_username=(s.username or None) and s.username[:150],
        avatar_url=(s.avatar or None) and s.avatar[:500], language=supported(s.language) or "")
    _add_keys(user.id, s, taken)
    return user


def _add_keys(user_id: int, s: Sighting, taken: dict[str, int]) -> None:
    """Record every way to recognise this person. An email or name that already pointed at
    someone else when the decision was made is left to them (a family). A key taken meanwhile by a
    concurrent sighting fails the transaction: the retry sees that sighting's row and decides
    again (match, merge, or a person of their own)."""
    is_admin = User.get_by_id(user_id).is_admin
    now = _key_owners(s)
    for kind, key in s.keys().items():
        owner = now.get(key)
        if owner == user_id:
            continue
        if owner is not None:
            if kind in STRONG or taken.get(key) != owner:
                raise IntegrityError(f"{key} was taken by person {owner} meanwhile")
            continue
        if kind not in STRONG and is_admin:
            continue                    # an admin is never found by email or name
        IdentityKey.create(key=key, kind=kind, user=user_id, source=s.source)


def _attach(user: User, s: Sighting, taken: dict[str, int]) -> None:
    """Add what the row lacks (never overwrite what it has)."""
    email = normal_email(s.email)
    wanted = {"plex_user_id": s.plex_user_id or None, "seerr_user_id": s.seerr_user_id or None,
              "jellyfin_user_id": s.ids().get("jellyfin"), "email": email or None,
              "plex_username": (s.username or "")[:150] or None,
              "display_name": None if user.plex_username else (s.display_name or "")[:150] or None,
              "avatar_url": (s.avatar or "")[:500] or None, "language": supported(s.language)}
    changes = {}
    for field, value in wanted.items():
        if value and not getattr(user, field):
            if field in COLUMNS.values() and User.select().where(getattr(User, field) == value).exists():
                continue                # held by a row merged in: its key points here already
            changes[field] = value
    if changes:
        User.update(changes).where(User.id == user.id).execute()
    _add_keys(user.id, s, taken)


# -- merging --------------------------------------------------------------------------------------

def merge(keep: User, other: User, *, reason: str = "", actor=None) -> tuple[User, str]:
    """Merge `other` into `keep` (an admin's decision): everything `other` held moves, then
    `other` is deleted. Returns the survivor and a sentence saying what happened."""
    if keep.id == other.id:
        raise MergeRefused("A person cannot be merged with themselves: choose two different people.")
    with db.atomic():
        survivor = _merge(keep, other, reason=reason, actor=actor)
    return survivor, survivor._merge_message    # type: ignore[attr-defined]


def _survivor(a: User, b: User) -> tuple[User, User]:
    """(keep, other) for an automatic merge: the admin, else the older row."""
    if b.is_admin and not a.is_admin:
        return b, a
    if a.is_admin and not b.is_admin:
        return a, b
    return (a, b) if a.id < b.id else (b, a)


def _describe(user: User) -> str:
    ids = [f"{kind} {value}" for kind, column in COLUMNS.items() if (value := getattr(user, column))]
    bits = [user.name] + ([user.email] if user.email else []) + ids
    return f"#{user.id} " + ", ".join(str(b) for b in bits)


def _merge(keep: User, other: User, *, reason: str, actor=None, automatic: bool = False) -> User:
    from plexportal.admin import audit

    for uid in sorted((keep.id, other.id)):
        # Lock both rows in one order, so two merges of the same pair wait for each other.
        User.update(session_version=User.session_version).where(User.id == uid).execute()
    fresh_keep, fresh_other = User.get_or_none(User.id == keep.id), User.get_or_none(User.id == other.id)
    if fresh_keep is None or fresh_other is None:
        survivor = fresh_keep or fresh_other
        if survivor is None:
            raise MergeRefused("Both people were removed meanwhile.")
        survivor._merge_message = "Already merged."
        return survivor
    keep, other = _survivor(fresh_keep, fresh_other) if automatic else (fresh_keep, fresh_other)
    if other.is_admin:
        if keep.is_admin:
            raise MergeRefused(f"{keep.name} and {other.name} are both admins: take the admin role from one of "
                               "them first.")
        raise MergeRefused(f"{other.name} is an admin: keep {other.name} and merge {keep.name} into them instead.")
    notes = _notes(keep, other)
    ids = {column: getattr(other, column) for column in COLUMNS.values() if getattr(other, column) not in (None, "")}
    fill = {column: value for column, value in ids.items() if getattr(keep, column) in (None, "")}
    for field in ("email", "plex_username", "avatar_url"):
        if getattr(other, field) and not getattr(keep, field):
            fill[field] = getattr(other, field)
    if other.display_name and not (keep.display_name or keep.plex_username):
        fill["display_name"] = other.display_name          # a person keeps the name they are shown by
    if ids:
        User.update({column: None for column in ids}).where(User.id == other.id).execute()
    for kind, column in COLUMNS.items():
        if column in ids:
            key = f"{kind}:{str(ids[column]).lower()}"
            if IdentityKey.update(user=keep.id).where(IdentityKey.key == key).execute() == 0:
                IdentityKey.create(key=key, kind=kind, user=keep.id, source="merge")
    described = _describe(other)
    shares = _shares_of(other.id)
    merging.reconcile(db, keep.id, other.id)
    moved = merging.move_rows(db, keep.id, other.id)
    _note_moved_shares(shares, keep.id, described)
    if fill:
        User.update(fill).where(User.id == keep.id).execute()
    User.delete().where(User.id == other.id).execute()
    how = "automatically" if automatic else "by hand"
    message = f"Merged {described} into this person {how}{f': {reason}' if reason else ''}." + "".join(
        f" {n}" for n in notes)
    PersonEvent.create(user=keep.id, kind="merged", message=message,
                       data={"other": described, "moved": moved, "automatic": automatic})
    audit.record("people.merged", f"{described} merged into #{keep.id} {keep.name} {how}"
                 f"{f': {reason}' if reason else ''}",
                 actor=actor if not automatic else None)
    survivor = User.get_by_id(keep.id)
    survivor._merge_message = message
    return survivor


def _shares_of(user_id: int) -> list[tuple]:
    """(access id, plex id, name) of each Plex share a person holds, read in SQL like `_notes`."""
    if "access" not in db.get_tables():
        return []
    return db.execute_sql(f"SELECT id, plex_user_id, title, username, email FROM access WHERE user_id = {db.param} "  # nosec B608 # fixed names; values are parameters
                          "ORDER BY id", (user_id,)).fetchall()


def _note_moved_shares(shares: list[tuple], keep_id: int, described: str) -> None:
    """A merge is a door that changes access: each share that moved gets its line in the access
    history (the same table invites.history writes), in the merge's transaction."""
    if not shares or "access_change" not in db.get_tables():
        return
    p = db.param
    now = clock.now().astimezone(UTC).replace(tzinfo=None)
    data = json.dumps({"from": described[:300]}, separators=(",", ":"), sort_keys=True)
    for access_id, plex_id, title, username, email in shares:
        db.execute_sql(
            f"INSERT INTO access_change (access_id, user_id, plex_user_id, who, at, kind, door, actor_label, data) "  # nosec B608 # fixed names; values are parameters
            f"VALUES ({p}, {p}, {p}, {p}, {p}, 'moved', 'merge', '', {p})",
            (access_id, keep_id, plex_id, (title or username or email or "")[:150], now, data))


def _notes(keep: User, other: User) -> list[str]:
    """What an admin should know about a merge (both keep a share of the server). Read in SQL: the
    identity code sits below the areas and imports none of them."""
    if "access" not in db.get_tables():
        return []
    p = db.param
    rows = db.execute_sql(
        f"SELECT user_id, title, username, plex_user_id FROM access WHERE status = 'active' AND user_id IN ({p}, {p})",  # nosec B608 # fixed names; values are parameters
        (keep.id, other.id)).fetchall()
    if len({r[0] for r in rows}) == 2:
        names = " and ".join(sorted(str(r[1] or r[2] or r[3]) for r in rows))
        return [f"Both had Plex access ({names}): both shares are kept."]
    return []
