"""Prometheus figures of the media health monitors (see plexportal/ops/metrics.py)."""
from peewee import fn

from plexportal.health.models import MonitorRun
from plexportal.lib.metrics import grouped_counter


def collect(now):
    rows = (MonitorRun.select(MonitorRun.monitor, MonitorRun.status, fn.COUNT(MonitorRun.id))
            .group_by(MonitorRun.monitor, MonitorRun.status).tuples())
    return [grouped_counter("plexportal_monitor_runs", "Monitor runs kept, by monitor and status (ok, error, running).",
                            ["monitor", "status"], rows)]
