"""GET /metrics in the Prometheus text format (prometheus-client).

Two kinds of figures: what the database knows (each area's `metrics.py` contributes a
`collect(now)` returning metric families: webhooks, messages, invites, backups, monitors; the
worker's work is visible through the rows it writes), read at scrape time and cached a few
seconds; and the web's request latency, a histogram kept per process. With several gunicorn
workers the histogram uses prometheus-client's multiprocess mode (gunicorn.conf.py sets
PROMETHEUS_MULTIPROC_DIR), so any worker answers for all of them."""
from __future__ import annotations

import logging
import os
import threading
import time

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from plexportal import areas
from plexportal.lib import clock

log = logging.getLogger(__name__)
CACHE_SECONDS = 10.0
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

_local_registry = CollectorRegistry()
REQUEST_SECONDS = Histogram(
    "plexportal_http_request_duration_seconds", "Time to answer a request, by route and status class.",
    ["method", "endpoint", "status"], registry=None if MULTIPROCESS else _local_registry,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))


def observe(method: str, endpoint: str | None, status: int, seconds: float) -> None:
    REQUEST_SECONDS.labels(method, endpoint or "unknown", f"{status // 100}xx").observe(seconds)


class DatabaseCollector:
    """Every area's figures from the database, cached for CACHE_SECONDS (a scrape every few
    seconds must not count a million rows each time)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._cached: list = []
        self._at = 0.0

    def collect(self):
        with self._lock:
            if time.monotonic() - self._at > CACHE_SECONDS:
                self._cached = list(self._read())
                self._at = time.monotonic()
            return list(self._cached)

    def _read(self):
        from plexportal.db import db_session

        now = clock.now()
        ok = GaugeMetricFamily("plexportal_metrics_collector_up", "1 when the area's figures could be read.",
                               labels=["area"])
        with db_session():
            for area in areas.all_areas():
                if area.metrics is None:
                    continue
                try:
                    yield from area.metrics(now)
                    ok.add_metric([area.name], 1)
                except Exception:  # one area's failure must not hide the others
                    log.warning("metrics of %s could not be read", area.name, exc_info=True)
                    ok.add_metric([area.name], 0)
        yield ok


_database = DatabaseCollector()


def exposition() -> bytes:
    registry = CollectorRegistry()
    if MULTIPROCESS:
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (REQUEST_SECONDS,):
            registry.register(collector)
    registry.register(_database)
    return generate_latest(registry)


def reset_cache() -> None:
    _database._at = 0.0


def collect(now):
    """The ops area's own figures: plexportal's backups, the task queue, the worker's heartbeat."""
    from plexportal.ops.models import JobState, SelfBackup
    from plexportal.queue import huey

    out = []
    last = (SelfBackup.select().where(SelfBackup.status == "success")
            .order_by(SelfBackup.finished_at.desc()).first())
    age = GaugeMetricFamily("plexportal_self_backup_age_seconds",
                            "Seconds since plexportal's own last successful backup (absent: none yet).")
    if last is not None and last.finished_at:
        age.add_metric([], (now - last.finished_at).total_seconds())
    out.append(age)
    newest = (SelfBackup.select().where(SelfBackup.status.in_(("success", "failed")))
              .order_by(SelfBackup.finished_at.desc()).first())
    status = GaugeMetricFamily("plexportal_self_backup_last_success", "1 when plexportal's own newest backup "
                               "succeeded, 0 when it failed.")
    if newest is not None:
        status.add_metric([], 1 if newest.status == "success" else 0)
    out.append(status)
    depth = GaugeMetricFamily("plexportal_queue_depth", "Tasks waiting in the queue.")
    try:
        depth.add_metric([], huey.instance.pending_count())
    except Exception:  # noqa: BLE001 - the queue being down shows as a missing sample  # nosec B110
        pass
    out.append(depth)
    seen = GaugeMetricFamily("plexportal_worker_last_seen_seconds", "Seconds since the worker last started or "
                             "finished a task.")
    from peewee import fn

    latest = JobState.select(fn.MAX(fn.COALESCE(JobState.last_finished_at, JobState.last_started_at))).scalar()
    if latest:
        from plexportal.db import UTCDateTimeField

        latest = UTCDateTimeField().python_value(latest)
        seen.add_metric([], (now - latest).total_seconds())
    out.append(seen)
    return out
