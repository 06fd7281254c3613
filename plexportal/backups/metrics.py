"""Prometheus figures of the Plex backup monitor (see plexportal/ops/metrics.py)."""
from prometheus_client.core import GaugeMetricFamily

from plexportal.backups import monitor

STATES = ("up", "late", "down", "unknown")


def collect(now):
    st = monitor.check_row().state
    state = GaugeMetricFamily("plexportal_backup_state", "The Plex backup's state (1 for the current one).",
                              labels=["state"])
    for s in STATES:
        state.add_metric([s], 1 if s == st else 0)
    age = GaugeMetricFamily("plexportal_backup_age_seconds", "Seconds since the last successful Plex backup.")
    success = monitor.last_success()
    if success is not None:
        age.add_metric([], (now - monitor.anchor(success)).total_seconds())
    last = GaugeMetricFamily("plexportal_backup_last_status", "The newest finished Plex backup's status "
                             "(1 for it).", labels=["status"])
    done = monitor.last_completed()
    if done is not None:
        for s in monitor.DONE:
            last.add_metric([s], 1 if s == done.status else 0)
    return [state, age, last]
