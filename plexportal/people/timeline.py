"""A person's history, newest first: invites used, access granted or changed, requests made or
followed, every message sent to them with its status, unsubscribes and merges. Read from the rows
each area keeps: every change to their Plex access is a row of its own (invites' AccessChange),
merges are PersonEvents."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from plexportal.auth.models import User

LIMIT = 200


@dataclass
class Entry:
    at: datetime
    kind: str                    # person | invite | access | request | message | unsubscribe | merge
    text: str
    status: str = ""
    link: str = ""               # an endpoint name and its id: "media.request_detail:12" (optional)


def _libraries(ids) -> str:
    from plexportal.invites import service as invites

    return ", ".join(invites.library_titles(ids)) if ids else "all libraries"


def timeline(user: User, limit: int = LIMIT) -> list[Entry]:
    from plexportal.invites import service as invites
    from plexportal.invites.models import Access, Redemption
    from plexportal.media.models import Follower, MediaRequest
    from plexportal.notify.models import Notification, NotifyPrefs
    from plexportal.people.models import PersonEvent

    out = [Entry(user.created_at, "person", "First known to plexportal")]
    for r in Redemption.select().where(Redemption.user == user.id):
        invite = r.invite
        name = (invite.label or invite.code) if invite is not None else "the request form"
        how = "Sign in with Plex" if r.via == "plex" else r.via
        granted = _libraries((r.terms or {}).get("libraries"))
        out.append(Entry(r.created_at, "invite", f"Used {'invite ' if invite else ''}{name} ({how}): {granted}",
                         r.state.replace("_", " ")))
    shares = list(Access.select().where(Access.user == user.id))
    changes = invites.access_changes(user.id, [a.id for a in shares])
    for c in reversed(changes):             # newest first also among changes made together
        out.append(Entry(c.at, "access", invites.describe_access_change(c), c.kind))
    recorded = {c.access_id for c in changes}
    for a in shares:
        if a.id in recorded:
            continue
        # A share no change was ever recorded for (made before the history was kept, and not in the
        # audit log): what is known is that it exists since it was first seen.
        who = a.title or a.username or a.email or str(a.plex_user_id)
        out.append(Entry(a.joined_at, "access", f"Plex access for {who}: {_libraries(a.libraries)}", "granted"))
    for f in Follower.select(Follower, MediaRequest).join(MediaRequest).where(Follower.user == user.id):
        req = f.request
        verb = "Requested" if f.role == "requester" else "Followed"
        out.append(Entry(f.created_at, "request", f"{verb} {req.title or 'a title'}", req.status,
                         f"media.request_detail:{req.id}"))
    for n in (Notification.select(Notification.created_at, Notification.subject, Notification.status,
                                  Notification.channel, Notification.kind)
              .where(Notification.user == user.id).order_by(Notification.created_at.desc()).limit(limit)):
        how = "Email" if n.channel == "email" else "Message"
        out.append(Entry(n.created_at, "message", f"{how}: {n.subject or n.kind}", n.status))
    prefs = NotifyPrefs.get_or_none(NotifyPrefs.user == user.id)
    if prefs is not None and prefs.unsubscribed_at:
        out.append(Entry(prefs.unsubscribed_at, "unsubscribe", "Unsubscribed from all email"))
    for e in PersonEvent.select().where(PersonEvent.user == user.id):
        out.append(Entry(e.at, "merge" if e.kind == "merged" else e.kind, e.message))
    out.sort(key=lambda e: e.at, reverse=True)
    return out[:limit]
