"""GET /api/v1/backups/runs and /api/v1/backups/status (X-Api-Key, like the rest of /api/v1)."""
from flask import jsonify

from plexportal.api import envelope
from plexportal.api.envelope import BOOL, MAYBE_INT, TEXT, TIME, enum, obj
from plexportal.api.views import _api, api_bp
from plexportal.backups import monitor, service
from plexportal.backups.models import STATUSES
from plexportal.lib import fmt

RUN = obj("One backup run",
          date={"type": "string", "format": "date", "description": "The run's day in the backup's zone"},
          started_at=TIME, finished_at=TIME, status=enum(STATUSES), exit_code=MAYBE_INT,
          duration_seconds=MAYBE_INT, sent_bytes=MAYBE_INT, received_bytes=MAYBE_INT, total_size_bytes=MAYBE_INT,
          files_transferred=MAYBE_INT, dry_run=BOOL,
          source=enum(("log", "tracking", "ping", "job", "schedule"), "Where plexportal learnt of the run"))

STATUS = obj("The dead man's switch",
             state=enum(("up", "late", "down", "unknown")), reason=TEXT, last_success_at=TIME,
             next_expected_at=TIME, running=BOOL)


def run_json(run) -> dict:
    return {"date": run.day.isoformat(), "started_at": fmt.isotime(run.started_at),
            "finished_at": fmt.isotime(run.finished_at), "status": run.status, "exit_code": run.exit_code,
            "duration_seconds": run.duration_seconds, "sent_bytes": run.sent_bytes,
            "received_bytes": run.received_bytes, "total_size_bytes": run.total_size_bytes,
            "files_transferred": run.files_transferred, "dry_run": run.dry_run, "source": run.source}


@api_bp.get("/backups/runs")
@_api
@envelope.listing("Backup runs, newest first", item=RUN, default=30, maximum=1000,
                  filters=[envelope.Choice("status", STATUSES, "Only runs with this outcome")])
def backup_runs(args):
    q = service.runs_query(args["status"])
    return q.count(), [run_json(r) for r in q.offset(args.offset).limit(args.limit)]


@api_bp.get("/backups/status")
@_api
@envelope.documented("Whether backups are up, late or down, and why", response=STATUS)
def backup_status():
    st = monitor.compute()
    return jsonify(state=st.state, reason=st.reason, last_success_at=fmt.isotime(st.last_success_at),
                   next_expected_at=fmt.isotime(st.next_expected_at), running=st.running is not None)
