"""Prometheus figures of invites (see plexportal/ops/metrics.py)."""
from peewee import fn
from prometheus_client.core import CounterMetricFamily

from plexportal.invites.models import Redemption
from plexportal.lib.metrics import grouped_counter


def collect(now):
    counts = dict(Redemption.select(Redemption.state, fn.COUNT(Redemption.id)).group_by(Redemption.state).tuples())
    redeemed = grouped_counter("plexportal_invites_redeemed", "Invite uses, by state (claimed, invited, accepted, "
                               "active, failed, declined, awaiting_approval).", ["state"], counts.items())
    failed = CounterMetricFamily("plexportal_provisioning_failures", "Invite uses whose Plex sharing failed for good.")
    failed.add_metric([], counts.get("failed", 0))
    return [redeemed, failed]
