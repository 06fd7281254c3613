"""Backups in plain words, for the CLI, emails and pages."""
from __future__ import annotations

from plexportal.backups.monitor import State
from plexportal.lib import fmt


def run_sentence(run) -> str:
    if run is None:
        return "No backup has been recorded yet."
    when = run.started_at or run.finished_at or run.expected_at
    at = f"{fmt.localtime(when)} ({fmt.reltime(when)})" if when else f"{run.day} (time not recorded)"
    if run.status == "missed":
        return f"The backup due {at} did not run."
    if run.status == "running":
        return f"A backup started {at} is still running."
    parts = {"success": "succeeded", "failed": "failed", "partial": "finished with some files not copied"}
    text = f"The backup of {at} {parts.get(run.status, run.status)}"
    if run.exit_code not in (None, 0):
        text += f" (exit code {run.exit_code})"
    details = []
    if run.duration_seconds is not None:
        details.append(f"took {fmt.human_duration(run.duration_seconds)}")
    if run.total_size_bytes is not None:
        details.append(f"total size {fmt.human_bytes(run.total_size_bytes)}")
    if run.sent_bytes is not None:
        details.append(f"{fmt.human_bytes(run.sent_bytes)} sent")
    if run.files_transferred is not None:
        details.append(f"{run.files_transferred:,} files copied")
    if run.dry_run:
        details.append("a dry run, not a backup")
    return text + (": " + ", ".join(details) if details else "") + "."


def last_run_sentence(st: State) -> str:
    if st.running is not None:
        return run_sentence(st.running)
    return run_sentence(st.last)


def state_sentence(st: State) -> str:
    text = f"State: {st.state}. {st.reason}"
    if st.next_expected_at:
        text += f" Next expected {fmt.localtime(st.next_expected_at)} ({fmt.reltime(st.next_expected_at)})."
    return text
