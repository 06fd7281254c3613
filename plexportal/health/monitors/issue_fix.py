"""Reported-issue auto-fix. Seerr's ISSUE_CREATED (video, audio, subtitles, other) becomes an
IssueFix; by ISSUE_FIX_MODE it waits for the admin (`manual`, the default) or is repaired at once
(`auto`, `auto_notify`: also tell the admin): the bad file is deleted, its release blocklisted, one
search for exactly the affected episodes or film sent, and the Seerr issue gets a comment. When the
replacement imports (a Download webhook), the issue is resolved in Seerr and the reporter told.
Our own comments and resolutions come back as webhooks: they are recognised and ignored."""
from __future__ import annotations

import logging
from datetime import timedelta

from plexportal.auth.models import User
from plexportal.db import db
from plexportal.gateways.base import GatewayError
from plexportal.health import messages
from plexportal.health.models import IssueFix
from plexportal.health.monitors import base, issue_repair
from plexportal.i18n import N_, english, msg
from plexportal.lib import clock
from plexportal.media import shape
from plexportal.notify import service as outbox
from plexportal.settings import service as settings

log = logging.getLogger(__name__)
NAME = "issue-fix"
MARK = "[plexportal]"          # our comments start with this; the loop guard knows them by it
ISSUE_EVENTS = ("ISSUE_CREATED", "ISSUE_COMMENT", "ISSUE_RESOLVED", "ISSUE_REOPENED")
OPEN_STATES = ("open", "review", "approved", "retry", "fixing")
TO_FIX = ("open", "approved", "retry")


def _int(value) -> int | None:
    """Lenient: anything that does not read as a (database-sized) number is None."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if -2**63 <= number < 2**63 else None


def parse_issue(body: dict) -> dict | None:
    """The parts of a Seerr issue webhook we use (values arrive as strings, "" when missing)."""
    issue = shape.obj(body, "issue")
    issue_id = shape.int_id(issue.get("issue_id"), "issue.issue_id")
    if issue_id is None:
        return None
    media = shape.obj(body, "media")
    extra = {}
    for e in shape.objects(body, "extra"):
        name = e.get("name")
        if isinstance(name, str):
            extra[name] = e.get("value")
    return {"seerr_issue_id": issue_id, "issue_type": shape.text(issue.get("issue_type"), "issue.issue_type", 16) or "OTHER",
            "issue_status": shape.text(issue.get("issue_status"), "issue.issue_status", 32) or "OPEN",
            "media_type": shape.text(media.get("media_type"), "media.media_type", 8),
            "tmdb_id": _int(media.get("tmdbId")), "tvdb_id": _int(media.get("tvdbId")),
            "title": shape.text(body.get("subject"), "subject", 300),
            "season": _int(extra.get("Affected Season")), "episode": _int(extra.get("Affected Episode")),
            "message": shape.text(body.get("message"), "message", 10_000),
            "reporter_email": shape.text(issue.get("reportedBy_email"), "issue.reportedBy_email", 254),
            "reporter_name": shape.text(issue.get("reportedBy_username"), "issue.reportedBy_username", 150),
            "comment": shape.text(shape.obj(body, "comment").get("comment_message"), "comment.comment_message")}


def _update(fix: IssueFix, **fields) -> None:
    fields["updated_at"] = clock.now()
    IssueFix.update(fields).where(IssueFix.id == fix.id).execute()


def handle_issue_event(kind: str, body: dict) -> str:
    """Apply one Seerr issue webhook; returns what was done, in words."""
    info = parse_issue(body)
    if info is None:
        return "no issue id"
    fix = IssueFix.get_or_none(IssueFix.seerr_issue_id == info["seerr_issue_id"])
    if kind == "ISSUE_CREATED":
        if fix is not None:
            return "already known"
        fields = {k: v for k, v in info.items() if k not in ("issue_status", "comment")}
        mode = settings.get("ISSUE_FIX_MODE")
        with db.atomic():
            fix = IssueFix.create(**fields, state="review" if mode == "manual" else "open")
        if mode == "manual":
            outbox.queue_admin_alert(f"Issue reported: {fix.title}"[:300], _describe(fix) +
                                     "\n\nISSUE_FIX_MODE is 'manual': approve the fix on the Reported issues page.",
                                     kind="health.issue", dedup_key=f"issue-fix:review:{fix.seerr_issue_id}")
            return "waiting for review"
        fix_issue(fix.id)
        return "fixing"
    if fix is None:
        return "unknown issue"
    if kind == "ISSUE_COMMENT":
        if info["comment"].startswith(MARK):
            return "our own comment (ignored)"
        _update(fix, comments=fix.comments + 1, last_comment=info["comment"][:2000])
        return "comment recorded"
    if kind == "ISSUE_RESOLVED":
        if fix.state in ("resolved", "closed"):
            return "our own resolution (ignored)"
        _update(fix, state="resolved", seerr_status="RESOLVED", resolved_at=clock.now())
        return "resolved in Seerr"
    if kind == "ISSUE_REOPENED":
        # Reopened: the replacement is bad too. A new round, decided by the mode again.
        mode = settings.get("ISSUE_FIX_MODE")
        _update(fix, state="review" if mode == "manual" else "open", seerr_status="OPEN", affected=None,
                resolved_at=None, fixed_at=None, escalated_at=None, error="")
        if mode != "manual":
            fix_issue(fix.id)
        return "reopened"
    return "ignored"


def _describe(fix: IssueFix) -> str:
    where = ""
    if fix.media_type == "tv" and fix.season:
        where = f" S{fix.season:02d}" + (f"E{fix.episode:02d}" if fix.episode else "")
    return (f"{fix.title}{where}: {fix.issue_type.lower()} problem reported by {fix.reporter_name or 'someone'}.\n"
            f"\"{fix.message[:500]}\"")


def fix_issue(fix_id: int) -> IssueFix:
    """Repair one issue (or finish a repair that failed half way)."""
    claimed = (IssueFix.update(state="fixing", updated_at=clock.now())
               .where((IssueFix.id == fix_id) & IssueFix.state.in_(TO_FIX + ("review",))).execute())
    fix = IssueFix.get_by_id(fix_id)
    if not claimed:
        return fix
    try:
        steps = issue_repair.repair(fix)
        if not steps.get("commented"):
            client = base.seerr_client()
            if client is not None:
                client.comment_issue(fix.seerr_issue_id, f"{MARK} Thanks for reporting this. The file was removed and "
                                     "its release blocklisted; a replacement is being searched for. This issue is "
                                     "resolved as soon as it arrives.")
            steps["commented"] = True
            _update(fix, affected=steps)
    except issue_repair.CannotRepair as err:
        _update(fix, state="review", error=str(err)[:500])
        outbox.queue_admin_alert(f"Issue needs your review: {fix.title}"[:300],
                                 f"{_describe(fix)}\n\nplexportal could not fix it by itself: {err}.",
                                 kind="health.issue", dedup_key=f"issue-fix:cannot:{fix.id}:{clock.now().timestamp():.0f}")
        return IssueFix.get_by_id(fix_id)
    except GatewayError as err:
        log.warning("issue %s: repair failed, retried next run: %s", fix.seerr_issue_id, err.message)
        _update(fix, state="retry", error=err.message[:500])
        return IssueFix.get_by_id(fix_id)
    _update(fix, state="fixing", fixed_at=clock.now(), error="")
    if settings.get("ISSUE_FIX_MODE") == "auto_notify":
        outbox.queue_admin_alert(f"Fixed a reported issue: {fix.title}"[:300],
                                 f"{_describe(fix)}\n\nDeleted files: {steps.get('deleted') or 'none'}\n"
                                 f"Blocklisted: {', '.join(steps.get('blocklisted') or [])}\n"
                                 f"Search: {steps.get('searched')}",
                                 kind="health.issue", dedup_key=f"issue-fix:fixed:{fix.id}:{clock.now().timestamp():.0f}")
    return IssueFix.get_by_id(fix_id)


# -- the replacement arrives --------------------------------------------------------------------

def handle_import(service: str, body: dict) -> list[int]:
    """A Download webhook: note imported episodes/films against repairs waiting for them; resolve
    the ones now complete. Returns the Seerr issue ids resolved."""
    if service == "sonarr":
        tvdb = shape.int_id(shape.obj(body, "series").get("tvdbId"), "series.tvdbId")
        ids = {shape.int_id(e.get("id"), f"episodes[{i}].id") for i, e in enumerate(shape.objects(body, "episodes"))}
        waiting = IssueFix.select().where((IssueFix.state == "fixing") & (IssueFix.media_type == "tv")
                                          & (IssueFix.tvdb_id == tvdb))
    else:
        movie = shape.obj(body, "movie")
        tmdb = shape.int_id(movie.get("tmdbId"), "movie.tmdbId")
        ids = {shape.int_id(movie.get("id"), "movie.id")}
        waiting = IssueFix.select().where((IssueFix.state == "fixing") & (IssueFix.media_type == "movie")
                                          & (IssueFix.tmdb_id == tmdb))
    resolved = []
    for fix in waiting:
        steps = dict(fix.affected or {})
        wanted = set(steps.get("episode_ids") or [steps.get("movie_id")])
        got = (set(steps.get("imported") or []) | ids) & wanted
        if not got - set(steps.get("imported") or []):
            continue
        steps["imported"] = sorted(got)
        _update(fix, affected=steps)
        if got == wanted and resolve_fix(fix.id):
            resolved.append(fix.seerr_issue_id)
    return resolved


def resolve_fix(fix_id: int) -> bool:
    """Resolve in Seerr (with a comment) and tell the reporter. Retried by the monitor on errors."""
    fix = IssueFix.get_by_id(fix_id)
    steps = dict(fix.affected or {})
    client = base.seerr_client()
    try:
        if client is not None and not steps.get("resolved_comment"):
            client.comment_issue(fix.seerr_issue_id, f"{MARK} A replacement has been imported. Please let us know "
                                 "if the problem is still there.")
            steps["resolved_comment"] = True
            _update(fix, affected=steps)
        # Mark resolved before the call: its ISSUE_RESOLVED webhook may arrive before we return.
        _update(fix, state="resolved", seerr_status="RESOLVED", resolved_at=clock.now())
        if client is not None:
            client.resolve_issue(fix.seerr_issue_id)
    except GatewayError as err:
        log.warning("issue %s: could not resolve in Seerr, retried next run: %s", fix.seerr_issue_id, err.message)
        # Not resolved after all: the issues page and the weekly summary must not say it was.
        _update(fix, state="fixing", seerr_status="OPEN", resolved_at=None, error=err.message[:500])
        return False
    _tell_reporter(IssueFix.get_by_id(fix_id))
    return True


# A reported problem's kind in words, as message ids ("the audio problem").
PROBLEMS = {"video": N_("the video problem"), "audio": N_("the audio problem"),
            "subtitles": N_("the subtitle problem"), "subtitle": N_("the subtitle problem")}


def problem_words(issue_type: str | None) -> list:
    return msg(PROBLEMS.get((issue_type or "other").lower(), N_("the problem")))


def fixed_said(issue_type: str | None, what: str) -> tuple[list, list]:
    """The reporter's "fixed" message, as (subject, text) message ids with their values."""
    problem = problem_words(issue_type)
    return (msg(N_("Fixed: %(problem)s you reported with %(what)s"), problem=problem, what=what),
            msg(N_("Thanks for telling us about %(problem)s with %(what)s. The bad file was replaced and the "
                   "new copy is ready to watch."), problem=problem, what=what))


def _tell_reporter(fix: IssueFix) -> None:
    what = fix.title + (f" S{fix.season:02d}E{fix.episode:02d}" if fix.season and fix.episode else "")
    subject_said, text_said = fixed_said(fix.issue_type, what)
    subject, text = english(subject_said)[:300], english(text_said)
    user = User.get_or_none(User.email == fix.reporter_email) if fix.reporter_email else None
    if user is not None:
        outbox.notify_user(user, messages.ISSUE_FIXED, f"issue-fixed:{fix.seerr_issue_id}:{fix.id}",
                           payload={"subject": subject, "text": text, "subject_say": subject_said,
                                    "text_say": text_said, "issue_id": fix.seerr_issue_id})
    elif fix.reporter_email:
        outbox.queue_email(fix.reporter_email, subject, text, kind="media.issue_fixed",
                           dedup_key=f"issue-fixed:{fix.seerr_issue_id}:{fix.resolved_at}")


# -- the periodic run: retries, stale issues ---------------------------------------------------

def run(ctx) -> None:
    now = clock.now()
    mode = settings.get("ISSUE_FIX_MODE")
    for fix in IssueFix.select().where(IssueFix.state.in_(TO_FIX)):
        if fix.state == "open" and mode == "manual":
            continue
        ctx.found += 1
        after = fix_issue(fix.id)
        if after.state == "fixing":
            ctx.acted(f"issue {fix.seerr_issue_id} ({fix.title}): repaired, waiting for the replacement")
        else:
            ctx.note(f"issue {fix.seerr_issue_id} ({fix.title}): {after.state}: {after.error}")
            if after.state == "retry":
                ctx.errors.append(f"issue {fix.seerr_issue_id}: {after.error}")
    for fix in IssueFix.select().where((IssueFix.state == "fixing") & IssueFix.error.is_null(False)
                                       & (IssueFix.error != "")):
        steps = fix.affected or {}
        done = set(steps.get("imported") or []) >= set(steps.get("episode_ids") or [steps.get("movie_id")])
        if done and resolve_fix(fix.id):
            ctx.acted(f"issue {fix.seerr_issue_id}: resolved in Seerr")
    escalate = timedelta(days=settings.get_int("ISSUE_ESCALATE_DAYS"))
    close = timedelta(days=settings.get_int("ISSUE_CLOSE_DAYS"))
    for fix in IssueFix.select().where(IssueFix.state.in_(OPEN_STATES)):
        age = now - fix.created_at
        if age >= close and mode != "manual":
            _close_stale(ctx, fix)
        elif age >= close:
            # Closing someone's report in Seerr changes another system: in manual mode that is the
            # admin's call (Reported issues page), never the clock's.
            ctx.note(f"issue {fix.seerr_issue_id} ({fix.title}): open for {age.days} days; left for you to decide")
        elif age >= escalate and fix.escalated_at is None:
            _update(fix, escalated_at=now)
            outbox.queue_admin_alert(f"Issue still open after {age.days} days: {fix.title}"[:300],
                                     f"{_describe(fix)}\n\nState: {fix.state}. {fix.error}",
                                     kind="health.issue", dedup_key=f"issue-fix:escalate:{fix.id}:{fix.created_at}")
            ctx.acted(f"issue {fix.seerr_issue_id}: escalated to the admin after {age.days} days")


def _close_stale(ctx, fix: IssueFix) -> None:
    client = base.seerr_client()
    try:
        _update(fix, state="closed", resolved_at=clock.now())
        if client is not None:
            client.comment_issue(fix.seerr_issue_id, f"{MARK} Closed because it has been open for "
                                 f"{settings.get_int('ISSUE_CLOSE_DAYS')} days. Report it again if it is still broken.")
            client.resolve_issue(fix.seerr_issue_id)
    except GatewayError as err:
        _update(fix, state="review" if fix.state == "review" else fix.state, resolved_at=None)
        ctx.upstream_error("Seerr", err)
        return
    ctx.acted(f"issue {fix.seerr_issue_id}: closed as stale")


def approve(fix_id: int) -> IssueFix:
    """The admin's Approve fix on the review list."""
    IssueFix.update(state="approved", updated_at=clock.now()).where(
        (IssueFix.id == fix_id) & (IssueFix.state == "review")).execute()
    return fix_issue(fix_id)


def dismiss(fix_id: int) -> None:
    IssueFix.update(state="dismissed", updated_at=clock.now()).where(
        (IssueFix.id == fix_id) & IssueFix.state.in_(("review", "retry", "open"))).execute()


MONITOR = base.Monitor(NAME, "Reported issues",
                       "Problems reported in Seerr: the bad file is deleted and blocklisted, a replacement searched "
                       "for, and the issue resolved when it arrives.", run, default_interval=60,
                       settings=("ISSUE_FIX_MODE", "ISSUE_ESCALATE_DAYS", "ISSUE_CLOSE_DAYS"))
