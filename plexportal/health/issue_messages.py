"""A reported problem's life told to the person who reported it, from Seerr's ISSUE_* webhooks:
received, a reply from someone else, marked solved, reopened. Each is a message kind the person
switches on or off on their page, queued through the outbox (batched per issue: several replies
in a few minutes are one message).

Loop guard: plexportal's own comments (they start with issue_fix.MARK) and its own resolutions
come back as webhooks; they tell nobody (the reporter hears "fixed" from the issue-fix monitor).
Told once per webhook event (a replay or a reprocess sends nothing new), never when the event is
older than MAX_AGE (an old event reprocessed), never for the reporter's own reply."""
from __future__ import annotations

import logging
import re
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from plexportal.auth.models import User
from plexportal.health.monitors import issue_fix
from plexportal.i18n import N_, english, msg
from plexportal.lib import clock
from plexportal.media import shape
from plexportal.notify import service as outbox

log = logging.getLogger(__name__)

REPORTED = "media.issue_reported"
REPLY = "media.issue_reply"
RESOLVED = "media.issue_resolved"
REOPENED = "media.issue_reopened"
KINDS = {"ISSUE_CREATED": REPORTED, "ISSUE_COMMENT": REPLY, "ISSUE_RESOLVED": RESOLVED,
         "ISSUE_REOPENED": REOPENED}
MAX_AGE = timedelta(hours=24)
# handle_issue_event's words for webhooks plexportal caused itself.
OURS = ("our own comment (ignored)", "our own resolution (ignored)")

# The kinds people switch on or off (declared in area.py, rendered by notify.render.render_update):
# key → (label, default).
CHOICES = {
    REPORTED: (_l("A problem you reported reached the server (a receipt)"), False),
    REPLY: (_l("Someone replied about a problem you reported"), True),
    RESOLVED: (_l("A problem you reported was marked as solved"), True),
    REOPENED: (_l("A problem you reported was reopened"), False),
}

_SUBJECT = re.compile(r"^(?P<title>.*?)\s*\((?P<year>\d{4})\)\s*$", re.DOTALL)


def _what(info: dict) -> str:
    where = ""
    if info["media_type"] == "tv" and info["season"]:
        where = f" S{info['season']:02d}" + (f"E{info['episode']:02d}" if info["episode"] else "")
    return f"{info['title']}{where}"


def _problem(info: dict) -> list:
    """"the audio problem", as a message id (the reader's language decides its words)."""
    return issue_fix.problem_words(info["issue_type"])


def _reporter(email: str) -> User | None:
    from peewee import fn

    email = (email or "").strip().lower()
    if not email:
        return None
    return User.select().where(fn.LOWER(User.email) == email).order_by(User.id).first()


def sentence_msg(kind: str, info: dict, by: str, server: str) -> list:
    """The event in words, as a message id and its values (written in the reader's language when sent)."""
    problem, what = _problem(info), _what(info)
    if kind == "ISSUE_CREATED":
        return msg(N_("Thanks: your report of %(problem)s with %(what)s reached %(server)s. You will hear when it "
                      "is sorted out."), problem=problem, what=what, server=server)
    if kind == "ISSUE_COMMENT":
        if by:
            return msg(N_("%(by)s replied about %(problem)s you reported with %(what)s:"), by=by, problem=problem,
                       what=what)
        return msg(N_("Someone replied about %(problem)s you reported with %(what)s:"), problem=problem, what=what)
    if kind == "ISSUE_RESOLVED":
        return msg(N_("Your report of %(problem)s with %(what)s was marked as solved. If it is still there, "
                      "reopen the report in Seerr."), problem=problem, what=what)
    return msg(N_("Your report of %(problem)s with %(what)s was reopened: it is being looked at again."),
               problem=problem, what=what)


def sentence(kind: str, info: dict, by: str, server: str) -> str:
    """The event in English (what the outbox shows the admin; the reader gets sentence_msg's words)."""
    return english(sentence_msg(kind, info, by, server))


SUBJECTS = {"ISSUE_CREATED": N_("Problem report received"), "ISSUE_COMMENT": N_("New reply about your report"),
            "ISSUE_RESOLVED": N_("Marked as solved"), "ISSUE_REOPENED": N_("Reopened")}
WHY = N_("You get this because you reported this problem.")


def tell(event, kind: str, body: dict, outcome: str = "") -> str:
    """Tell the reporter about this issue event. Returns what was done, in words."""
    from plexportal.settings import service as settings

    if kind not in KINDS:
        return "not an issue event"
    if outcome in OURS:
        return "caused by plexportal: nobody told"
    if clock.now() - (getattr(event, "received_at", None) or clock.now()) > MAX_AGE:
        return "event too old to tell"
    info = issue_fix.parse_issue(body)
    if info is None:
        return "no issue id"
    comment = shape.obj(body, "comment")
    by_email = shape.text(comment.get("commentedBy_email"), "comment.commentedBy_email", 254).strip().lower()
    by = shape.text(comment.get("commentedBy_username"), "comment.commentedBy_username", 150).strip()
    if kind == "ISSUE_COMMENT":
        if info["comment"].startswith(issue_fix.MARK):
            return "our own comment: nobody told"
        if by_email and by_email == info["reporter_email"].strip().lower():
            return "the reporter's own reply"
        if not info["comment"].strip():
            return "empty reply"
    user = _reporter(info["reporter_email"])
    if user is None:
        return "reporter unknown"
    m = _SUBJECT.match(info["title"])
    title, year = (m.group("title"), int(m.group("year"))) if m else (info["title"], None)
    info = {**info, "title": title or "a title"}
    image = shape.text(body.get("image"), "image", 500)
    message_kind = KINDS[kind]
    said = sentence_msg(kind, info, by, settings.get("SERVER_NAME"))
    subject_said = msg(N_("%(what)s: %(title)s"), what=msg(SUBJECTS[kind]), title=_what(info))
    item = {"text": english(said), "say": said, "event": event.id,
            "quote": info["comment"][:2000] if kind == "ISSUE_COMMENT" else "",
            "by": by if kind == "ISSUE_COMMENT" else ""}
    payload = {"subject": english(subject_said), "subject_say": subject_said, "headline": SUBJECTS[kind],
               "headline_say": msg(SUBJECTS[kind]), "title": title,
               "year": year, "poster_url": image, "issue_id": info["seerr_issue_id"],
               "why": WHY, "why_say": msg(WHY)}
    rows = outbox.notify_user(user, message_kind, f"{message_kind}:{info['seerr_issue_id']}", item, payload,
                              once=f"seerr:{kind}:{info['seerr_issue_id']}:{event.id}")
    return f"{message_kind} queued for {user.name}" if rows else "nothing to send"
