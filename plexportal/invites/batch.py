"""Batch invitations from a CSV of emails (optional preset and label per row): parse and preview,
then send, each row becoming a redemption provisioned like any other, with its own outcome."""
from __future__ import annotations

import csv
import io
import re
from typing import NamedTuple, TypedDict

from plexportal.admin import audit
from plexportal.db import db
from plexportal.i18n import N_, Refused
from plexportal.invites import messages, service
from plexportal.invites.models import Batch, Redemption
from plexportal.lib import clock
from plexportal.settings import service as settings

MAX_ROWS = 1000
EMAIL_HEADERS = ("email", "e-mail", "email address", "e-mail address")
EMAIL_RE = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")


class CsvRow(TypedDict):
    """One row of an uploaded file, as previewed and stored in Batch.rows."""
    line: int
    email: str
    preset: str
    label: str
    error: str              # why the row is skipped; "" for a row to send


class _Columns(NamedTuple):
    """Where each field is in a row (None: the file has no such column)."""
    email: int
    preset: int | None
    label: int | None


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


def parse_csv(data: bytes) -> list[CsvRow]:
    """The file's rows; a bad row gets an error, never a crash. Raises ValueError only when the
    file as a whole is unusable."""
    rows, col, start = _read_rows(data)
    out: list[CsvRow] = []
    seen: set[str] = set()
    for n, row in enumerate(rows, start=start):
        if not any(cell.strip() for cell in row):
            continue
        email, preset = _cell(row, col.email), _cell(row, col.preset)
        item = CsvRow(line=n, email=email, preset=preset, label=_cell(row, col.label)[:120],
                      error=_row_problem(email, preset, seen))
        seen.add(item["email"].lower())
        out.append(item)
        if len(out) > MAX_ROWS:
            raise Refused(N_("At most %(num)s rows per file; split it and upload the parts."), num=MAX_ROWS)
    if not out:
        raise Refused(N_("The file has no rows. Put one email address per line (optionally: email,preset,label)."))
    return out


def _read_rows(data: bytes) -> tuple[list[list[str]], _Columns, int]:
    """The rows after any header, the column of each field, and the line number of the first row."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refused(N_("The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again.")) from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as err:
        raise Refused(N_("The file is not a CSV file plexportal can read (%(error)s)."), error=str(err)) from None
    first = [h.strip().lower() for h in rows[0]] if rows else []
    if any(h in EMAIL_HEADERS for h in first) and not any("@" in h for h in first):
        # A header row, its columns in any order (a contacts export: "Name,E-mail,…").
        header, rows, start = ["email" if h in EMAIL_HEADERS else h for h in first], rows[1:], 2
    else:
        header, start = ["email", "preset", "label"], 1
    col = {name: header.index(name) if name in header else None for name in ("email", "preset", "label")}
    return rows, _Columns(col["email"] or 0, col["preset"], col["label"]), start


def _row_problem(email: str, preset: str, seen: set[str]) -> str:
    if not EMAIL_RE.match(email):
        return "not an email address"
    if email.lower() in seen:
        return "listed twice"
    if preset and service.get_preset_by_name(preset) is None:
        return f"no preset called “{preset}”"
    return ""


def create(filename: str, data: bytes, actor=None) -> Batch:
    rows = parse_csv(data)
    return Batch.create(filename=(filename or "upload.csv")[:200], rows=rows, created_by=actor.id if actor else None)


def send(batch_id: int, actor=None) -> int:
    """Claim the batch (once) and create one redemption per valid row in the same transaction
    (law 13: "sent" never stands without its redemptions); provisioning is enqueued after commit."""
    created = []
    with db.atomic():
        if Batch.update(status="sent", sent_at=clock.now()).where(
                (Batch.id == batch_id) & (Batch.status == "preview")).execute() != 1:
            return 0
        batch = Batch.get_by_id(batch_id)
        default = service.default_preset()
        for row in batch.rows:
            if row.get("error"):
                continue
            preset = service.get_preset_by_name(row["preset"]) if row.get("preset") else default
            terms = service.terms_of(preset) if preset else {"libraries": [], "allow_sync": False,
                                                             "allow_channels": False, "allow_camera_upload": False,
                                                             "filter_ratings": "", "filter_labels": "", "home": False,
                                                             "access_days": None}
            created.append(Redemption.create(batch=batch, account_key=f"name:{row['email'].lower()}",
                                             identifier=row["email"], email=row["email"], via="batch", terms=terms,
                                             state="claimed"))
        audit.record("invites.batch.sent", f"Sent batch {batch.filename}: {len(created)} invitations", actor)
        for redemption in created:
            service.enqueue_provisioning(redemption.id)     # runs after the commit
    return len(created)


ACCOUNT = "‹their Plex username›"


def preview(batch: Batch) -> dict:
    """What a batch sends, exactly: plex.tv's own invitation email (Plex's words) now, and plexportal's
    welcome email once each person has accepted; to how many people (the valid rows)."""
    subject, paragraphs, button = messages.welcome(ACCOUNT, accept_first=False)
    return {"count": len([r for r in batch.rows if not r.get("error")]), "subject": subject,
            "text": messages.as_text(paragraphs, button), "server": settings.get("SERVER_NAME")}


def progress(batch: Batch) -> dict:
    """Per-row outcome and totals for the progress bar."""
    by_email = {r.identifier.lower(): r for r in Redemption.select().where(Redemption.batch == batch)}
    rows, counts = [], {"done": 0, "failed": 0, "working": 0, "skipped": 0}
    for row in batch.rows:
        r = by_email.get(row["email"].lower()) if not row.get("error") else None
        if row.get("error"):
            outcome = "skipped"
            counts["skipped"] += 1
        elif r is None:
            outcome = "waiting"
            counts["working"] += 1
        else:
            outcome = r.state
            key = "done" if r.state in ("invited", "accepted", "active") else "failed" if r.state == "failed" else "working"
            counts[key] += 1
        rows.append({**row, "outcome": outcome, "redemption": r})
    total = len([r for r in batch.rows if not r.get("error")])
    finished = counts["done"] + counts["failed"]
    return {"rows": rows, "counts": counts, "total": total, "finished": finished,
            "complete": batch.status == "sent" and finished >= total}
