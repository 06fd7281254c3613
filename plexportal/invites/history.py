"""Every change to someone's Plex access, kept as a row (AccessChange) by whichever door made it:
an admin on the person's page, an invite being accepted, the expiry task, the plex.tv sync and a
merge. Each writer calls `record` inside the transaction that makes the change, so a change and
its line in the timeline commit together or not at all."""
from __future__ import annotations

from datetime import datetime

from plexportal.invites.models import Access, AccessChange, PlexLibrary
from plexportal.lib import clock, fmt

# "changed" is only in rows filled from the audit log on upgrading, which did not say what changed.
KINDS = ("granted", "libraries", "downloads", "expiry", "suspended", "removed", "restored", "expired", "moved",
         "changed")
DOOR_WORDS = {"admin": "", "invite": "invite accepted", "expiry": "timed access", "sync": "seen on plex.tv",
              "merge": "merge", "upgrade": "from the audit log"}


def library_names(ids: list[int] | None) -> list[str]:
    """Library titles as they are now; ["all"] for a share of every library (an empty list)."""
    if not ids:
        return ["all"]
    by_id = dict(PlexLibrary.select(PlexLibrary.section_id, PlexLibrary.title).tuples())
    return [by_id.get(i, f"library {i}") for i in ids]


def _time(value: datetime | None) -> str | None:
    return fmt.isotime(value)


def terms_of(access: Access) -> dict:
    """What a share grants, as the history keeps it: library titles, downloads, the end."""
    return {"libraries": library_names(access.libraries), "downloads": bool(access.allow_sync),
            "expires_at": _time(access.expires_at)}


def record(access: Access, kind: str, door: str, actor=None, at: datetime | None = None, **data) -> AccessChange:
    """One change, in the caller's transaction."""
    assert kind in KINDS, kind  # nosec B101 - a programming error, caught by the tests
    return AccessChange.create(access=access.id, user=access.user_id, plex_user_id=access.plex_user_id,
                               who=(access.title or access.username or access.email or "")[:150],
                               at=at or clock.now(), kind=kind, door=door,
                               actor_label=(getattr(actor, "username", "") or "")[:150], data=data)


def record_differences(access: Access, before: dict, door: str, actor=None, at: datetime | None = None) -> int:
    """A row for each of libraries, downloads and the end date that differ from `before` (a
    `terms_of` taken before the change); returns how many."""
    after = terms_of(access)
    written = 0
    if before["libraries"] != after["libraries"]:
        record(access, "libraries", door, actor, at, before=before["libraries"], after=after["libraries"])
        written += 1
    if before["downloads"] != after["downloads"]:
        record(access, "downloads", door, actor, at, after=after["downloads"])
        written += 1
    if before["expires_at"] != after["expires_at"]:
        record(access, "expiry", door, actor, at, before=before["expires_at"], after=after["expires_at"])
        written += 1
    return written


def _libraries(names) -> str:
    if not names or names == ["all"]:
        return "all libraries"
    return ", ".join(names)


def _moment(iso: str | None) -> str:
    if not iso:
        return "never"
    return fmt.zoned(datetime.fromisoformat(iso))


def describe(change: AccessChange) -> str:
    """The change in words, times in the configured zone."""
    d, who = change.data or {}, change.who or "their Plex account"
    k = change.kind
    if d.get("said"):
        text = d["said"]                    # filled from the audit log: its words, as it said them
    elif k == "granted":
        text = f"Plex access granted to {who}"
        if "libraries" in d:
            text += f": {_libraries(d['libraries'])}"
        if "downloads" in d:
            text += ", downloads allowed" if d["downloads"] else ", no downloads"
        if d.get("expires_at"):
            text += f", until {_moment(d['expires_at'])}"
        elif d.get("expires_at", "") is None:
            text += ", no end date"
    elif k == "libraries":
        text = f"Libraries of {who} changed from {_libraries(d.get('before'))} to {_libraries(d.get('after'))}"
    elif k == "downloads":
        text = f"Downloads {'allowed' if d.get('after') else 'no longer allowed'} for {who}"
    elif k == "expiry":
        if d.get("after"):
            verb = "now ends" if d.get("before") else "now has an end date:"
            text = f"Access of {who} {verb} {_moment(d['after'])}"
        else:
            text = f"Access of {who} no longer ends"
    elif k == "changed":
        text = f"Libraries or permissions of {who} changed"
    elif k == "moved":
        text = f"Plex access of {who} came with the merge of {d.get('from', 'another person')}"
    else:
        text = {"suspended": f"Plex access of {who} suspended",
                "removed": f"Plex access of {who} removed",
                "restored": f"Plex access of {who} restored",
                "expired": f"Plex access of {who} ended (timed access)"}[k]
    if d.get("note"):
        text += f" ({d['note']})"
    by = [w for w in (DOOR_WORDS.get(change.door, change.door), change.actor_label) if w]
    return text + (f" · {', '.join(by)}" if by else "")


def changes_of(user_id: int, access_ids: list[int]) -> list[AccessChange]:
    """Every change to this person's access, oldest first (their own rows and their shares')."""
    where = AccessChange.user == user_id
    if access_ids:
        where |= AccessChange.access.in_(access_ids)
    return list(AccessChange.select().where(where).order_by(AccessChange.at, AccessChange.id))
