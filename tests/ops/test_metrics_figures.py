"""The ops figures on /metrics: plexportal's own backup (age, last outcome), the worker's heartbeat,
and an area whose figures cannot be read shown as such without hiding the others."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from plexportal.lib import clock
from plexportal.ops import metrics
from plexportal.ops.models import JobState, SelfBackup

T0 = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
TOKEN = "metrics-token-0123456789"


@pytest.fixture
def scrape(client, set_settings):
    set_settings(METRICS_ENABLED="true", METRICS_TOKEN=TOKEN)

    def get() -> dict[str, float]:
        metrics.reset_cache()
        text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(as_text=True)
        return {m.group(1): float(m.group(2)) for m in re.finditer(r"^(plexportal_[^\s]+) ([-0-9.e+]+)$", text, re.MULTILINE)}
    return get


def test_nothing_yet_means_no_samples_rather_than_made_up_ones(db, scrape):
    clock.freeze(T0)
    found = scrape()
    for name in ("plexportal_self_backup_age_seconds", "plexportal_self_backup_last_success",
                 "plexportal_worker_last_seen_seconds"):
        assert name not in found


def test_the_self_backup_age_and_outcome(db, scrape):
    clock.freeze(T0)
    SelfBackup.create(kind="scheduled", status="success", finished_at=T0 - timedelta(hours=5))
    found = scrape()
    assert found["plexportal_self_backup_age_seconds"] == 5 * 3600
    assert found["plexportal_self_backup_last_success"] == 1
    SelfBackup.create(kind="manual", status="failed", finished_at=T0 - timedelta(hours=1))
    found = scrape()
    assert found["plexportal_self_backup_age_seconds"] == 5 * 3600      # still the last good one
    assert found["plexportal_self_backup_last_success"] == 0


def test_the_worker_heartbeat_is_its_latest_start_or_finish(db, scrape):
    clock.freeze(T0)
    JobState.create(name="a", last_started_at=T0 - timedelta(minutes=10), last_finished_at=T0 - timedelta(minutes=9))
    JobState.create(name="b", last_started_at=T0 - timedelta(minutes=2))                # still running
    assert scrape()["plexportal_worker_last_seen_seconds"] == 120


def test_an_area_whose_figures_fail_is_marked_and_the_others_still_come(db, scrape):
    db.execute_sql('ALTER TABLE backup_run RENAME TO backup_run_away')      # the backups area cannot read
    try:
        found = scrape()
    finally:
        db.execute_sql('ALTER TABLE backup_run_away RENAME TO backup_run')
    assert found['plexportal_metrics_collector_up{area="backups"}'] == 0
    assert found['plexportal_metrics_collector_up{area="ops"}'] == 1
    assert found['plexportal_metrics_collector_up{area="media"}'] == 1


def test_figures_are_cached_for_a_moment_between_scrapes(db, client, set_settings):
    set_settings(METRICS_ENABLED="true", METRICS_TOKEN=TOKEN)
    clock.freeze(T0)
    metrics.reset_cache()
    first = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(as_text=True)
    SelfBackup.create(kind="scheduled", status="success", finished_at=T0)
    again = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(as_text=True)
    assert "plexportal_self_backup_last_success 1.0" not in first
    assert "plexportal_self_backup_last_success 1.0" not in again          # the cached reading
    metrics.reset_cache()
    fresh = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(as_text=True)
    assert "plexportal_self_backup_last_success 1.0" in fresh
