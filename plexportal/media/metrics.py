"""Prometheus figures of the media area (see plexportal/ops/metrics.py)."""
from peewee import fn
from prometheus_client.core import GaugeMetricFamily

from plexportal.lib.metrics import grouped_counter
from plexportal.media.models import WebhookEvent


def collect(now):
    received = grouped_counter("plexportal_webhooks_received", "Webhooks stored, by source and what processing "
                               "made of them (received, processed, ignored, unmatched, failed, invalid).",
                               ["source", "outcome"],
                               WebhookEvent.select(WebhookEvent.source, WebhookEvent.status, fn.COUNT(WebhookEvent.id))
                               .group_by(WebhookEvent.source, WebhookEvent.status).tuples())
    waiting = GaugeMetricFamily("plexportal_webhook_oldest_unprocessed_seconds",
                                "Age of the oldest webhook not processed yet (0: none waiting).")
    oldest = (WebhookEvent.select(WebhookEvent.received_at).where(WebhookEvent.status == "received")
              .order_by(WebhookEvent.received_at).first())
    waiting.add_metric([], (now - oldest.received_at).total_seconds() if oldest else 0)
    lag = GaugeMetricFamily("plexportal_webhook_processing_lag_seconds",
                            "Mean time from receipt to processing over the last 100 processed webhooks.")
    recent = list(WebhookEvent.select(WebhookEvent.received_at, WebhookEvent.processed_at)
                  .where(WebhookEvent.processed_at.is_null(False)).order_by(WebhookEvent.id.desc()).limit(100))
    if recent:
        lag.add_metric([], sum((e.processed_at - e.received_at).total_seconds() for e in recent) / len(recent))
    return [received, waiting, lag]
