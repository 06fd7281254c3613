"""Prometheus figures of invites (see plexportal/ops/metrics.py)."""
from peewee import fn
from prometheus_client.core import CounterMetricFamily

from plexportal.invites.models import Redemption


def collect(now):
    redeemed = CounterMetricFamily("plexportal_invites_redeemed", "Invite uses, by state (claimed, invited, "
                                   "accepted, active, failed, declined, awaiting_approval).", labels=["state"])
    failed = CounterMetricFamily("plexportal_provisioning_failures", "Invite uses whose Plex sharing failed for good.")
    counts = dict(Redemption.select(Redemption.state, fn.COUNT(Redemption.id)).group_by(Redemption.state).tuples())
    for state, n in counts.items():
        redeemed.add_metric([state], n)
    failed.add_metric([], counts.get("failed", 0))
    return [redeemed, failed]
