"""Prometheus figures of the media health monitors (see plexportal/ops/metrics.py)."""
from peewee import fn
from prometheus_client.core import CounterMetricFamily

from plexportal.monitors.models import MonitorRun


def collect(now):
    runs = CounterMetricFamily("plexportal_monitor_runs", "Monitor runs kept, by monitor and status (ok, error, "
                               "running).", labels=["monitor", "status"])
    for name, status, n in (MonitorRun.select(MonitorRun.monitor, MonitorRun.status, fn.COUNT(MonitorRun.id))
                            .group_by(MonitorRun.monitor, MonitorRun.status).tuples()):
        runs.add_metric([name, status], n)
    return [runs]
