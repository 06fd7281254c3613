"""GET /api/v1/backups/runs and /api/v1/backups/status (X-Api-Key, like the rest of /api/v1)."""
from flask import jsonify

from plexportal.api.views import _api, api_bp, paging
from plexportal.backups import monitor, service
from plexportal.lib import fmt


def run_json(run) -> dict:
    return {"date": run.day.isoformat(), "started_at": fmt.isotime(run.started_at),
            "finished_at": fmt.isotime(run.finished_at), "status": run.status, "exit_code": run.exit_code,
            "duration_seconds": run.duration_seconds, "sent_bytes": run.sent_bytes,
            "received_bytes": run.received_bytes, "total_size_bytes": run.total_size_bytes,
            "files_transferred": run.files_transferred, "dry_run": run.dry_run, "source": run.source}


@api_bp.get("/backups/runs")
@_api
def backup_runs():
    limit, _ = paging(default=30, maximum=1000)
    return jsonify(runs=[run_json(r) for r in service.latest_runs(limit)])


@api_bp.get("/backups/status")
@_api
def backup_status():
    st = monitor.compute()
    return jsonify(state=st.state, reason=st.reason, last_success_at=fmt.isotime(st.last_success_at),
                   next_expected_at=fmt.isotime(st.next_expected_at), running=st.running is not None)
