"""Helpers for the areas' `metrics.py` (see plexportal/ops/metrics.py)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from prometheus_client.core import CounterMetricFamily


def grouped_counter(name: str, documentation: str, labels: list[str],
                    rows: Iterable[Sequence[Any]]) -> CounterMetricFamily:
    """A counter family from (label value, …, count) rows, e.g. a GROUP BY query's tuples()."""
    family = CounterMetricFamily(name, documentation, labels=labels)
    for *values, n in rows:
        family.add_metric([str(v) for v in values], n)
    return family
