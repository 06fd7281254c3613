"""Reading the log store for the Logs page: filters, paging, following, links to subjects."""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from werkzeug.routing import BuildError

from plexportal.ops.models import LogRecord

PAGE = 100
LEVELS = (("", "All levels"), ("20", "Info and above"), ("30", "Warnings and errors"), ("40", "Errors"))
PROCESSES = (("", "All processes"), ("web", "Web"), ("worker", "Worker"), ("cli", "Command line"))


@dataclass
class Filters:
    level: int | None = None
    area: str = ""
    process: str = ""
    q: str = ""

    @classmethod
    def from_args(cls, args) -> Filters:
        level = args.get("level", "")
        return cls(level=int(level) if level in ("10", "20", "30", "40", "50") else None,
                   area=(args.get("area") or "")[:32], process=(args.get("process") or "")[:12],
                   q=(args.get("q") or "").strip()[:200])

    def as_args(self) -> dict:
        out = {}
        if self.level is not None:
            out["level"] = str(self.level)
        for key in ("area", "process", "q"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out

    def query(self):
        query = LogRecord.select()
        if self.level is not None:
            query = query.where(LogRecord.levelno >= self.level)
        if self.area:
            query = query.where(LogRecord.area == self.area)
        if self.process:
            query = query.where(LogRecord.process == self.process)
        if self.q:            # contains() escapes % and _ itself
            query = query.where(LogRecord.message.contains(self.q) | LogRecord.logger.contains(self.q))
        return query


def page(f: Filters, before: int | None = None) -> tuple[list[LogRecord], bool]:
    query = f.query()
    if before:
        query = query.where(LogRecord.id < before)
    rows = list(query.order_by(LogRecord.id.desc()).limit(PAGE + 1))
    return rows[:PAGE], len(rows) > PAGE


def newer(f: Filters, after: int) -> list[LogRecord]:
    return list(f.query().where(LogRecord.id > after).order_by(LogRecord.id.desc()).limit(PAGE))


def newest_id() -> int:
    row = LogRecord.select(LogRecord.id).order_by(LogRecord.id.desc()).first()
    return row.id if row else 0


def areas() -> list[str]:
    return [r.area for r in LogRecord.select(LogRecord.area).distinct().order_by(LogRecord.area) if r.area]


def _redemption_invite(redemption_id: int) -> int | None:
    from plexportal.invites.models import Redemption

    row = Redemption.get_or_none(Redemption.id == redemption_id)
    return row.invite_id if row else None


def subject_link(record: LogRecord) -> tuple[str, str] | None:
    """(label, url) of what a record was about, when the page for it exists."""
    kind, ident = record.subject_kind, record.subject_id
    if not kind or ident is None:
        return None
    try:
        if kind == "webhook":
            return f"Webhook {ident}", url_for("media.inbox_event", event_id=ident)
        if kind == "message":
            return f"Message {ident}", url_for("notify.notifications") + f"#n-{ident}"
        if kind == "redemption":
            invite = _redemption_invite(ident)
            return (f"Invite use {ident}", url_for("invites.detail", invite_id=invite)) if invite else None
        if kind == "invite":
            return f"Invite {ident}", url_for("invites.detail", invite_id=ident)
        if kind == "batch":
            return f"Invite batch {ident}", url_for("invites.batch_detail", batch_id=ident)
        if kind == "backupjob":
            return f"Backup run {ident}", url_for("backups.job_output", job_id=ident)
        if kind == "sync":
            return f"Seerr sync {ident}", url_for("media.sync_progress", run_id=ident)
        if kind == "selfbackup":
            return "plexportal backups", url_for("ops.data")
    except BuildError:
        return None
    return None
