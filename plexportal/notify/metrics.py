"""Prometheus figures of the outbox (see plexportal/ops/metrics.py)."""
from peewee import fn
from prometheus_client.core import GaugeMetricFamily

from plexportal.lib.metrics import grouped_counter
from plexportal.notify.models import Notification


def collect(now):
    messages = grouped_counter("plexportal_messages", "Messages by channel (email, apprise) and status "
                               "(sent, failed, cancelled, pending…).", ["channel", "status"],
                               Notification.select(Notification.channel, Notification.status, fn.COUNT(Notification.id))
                               .group_by(Notification.channel, Notification.status).tuples())
    depth = GaugeMetricFamily("plexportal_outbox_depth", "Messages not sent yet (collecting, pending or sending).")
    depth.add_metric([], Notification.select().where(Notification.status.in_(("collecting", "pending", "sending"))).count())
    oldest = GaugeMetricFamily("plexportal_outbox_oldest_due_seconds",
                               "How long the oldest message that is due has waited (0: none due).")
    due = (Notification.select(Notification.send_after)
           .where((Notification.status == "pending") & (Notification.send_after <= now))
           .order_by(Notification.send_after).first())
    oldest.add_metric([], (now - due.send_after).total_seconds() if due else 0)
    return [messages, depth, oldest]
