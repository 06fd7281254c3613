"""Backups in plain words (`backups last`, emails, pages) for every kind of run: missed, still
running, a dry run, a run whose time was not recorded; and the two alert thresholds' settings."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from plexportal.backups import words
from plexportal.backups.models import BackupRun
from plexportal.lib import clock

T0 = datetime(2026, 5, 10, 3, 0, tzinfo=UTC)


@pytest.fixture
def utc(db, set_settings):
    set_settings(TIMEZONE="UTC")
    clock.freeze(T0 + timedelta(hours=2))


def run(**fields) -> BackupRun:
    fields.setdefault("key", f"log:{len(fields)}-{fields.get('status')}")
    fields.setdefault("source", "log")
    fields.setdefault("day", date(2026, 5, 10))
    return BackupRun.create(**fields)


def test_a_missed_run_says_when_it_was_due(utc):
    missed = run(status="missed", expected_at=T0)
    assert words.run_sentence(missed) == "The backup due 2026-05-10 03:00 (2 hours ago) did not run."


def test_a_running_backup_says_since_when(utc):
    going = run(status="running", started_at=T0 + timedelta(minutes=90))
    assert words.run_sentence(going) == "A backup started 2026-05-10 04:30 (30 minutes ago) is still running."


def test_a_run_without_times_names_its_day(utc):
    day_only = run(source="tracking", status="success")
    assert words.run_sentence(day_only) == "The backup of 2026-05-10 (time not recorded) succeeded."


def test_a_dry_run_says_it_was_not_a_backup(utc):
    dry = run(status="success", started_at=T0, dry_run=True, sent_bytes=1200, files_transferred=3)
    text = words.run_sentence(dry)
    assert text.endswith("1.2 KB sent, 3 files copied, a dry run, not a backup.")


def test_a_failed_run_gives_its_exit_code_and_nothing_it_does_not_know(utc):
    failed = run(status="failed", started_at=T0, exit_code=12)
    assert words.run_sentence(failed) == "The backup of 2026-05-10 03:00 (2 hours ago) failed (exit code 12)."


def test_nothing_recorded_yet(utc):
    assert words.run_sentence(None) == "No backup has been recorded yet."


@pytest.mark.parametrize("value, problem", [
    ("3", None), ("2.5", None), ("1.01", None),
    ("1", "Use a factor above 1."), ("0.5", "Use a factor above 1."), ("-3", "Use a factor above 1."),
    ("three", "Enter a number such as 3 or 2.5."),
])
def test_the_slow_run_factor_must_be_a_number_above_one(db, value, problem):
    from plexportal.settings import service
    from plexportal.settings.registry import InvalidSetting

    if problem is None:
        service.set_value("BACKUP_DURATION_FACTOR", value)
        assert service.get("BACKUP_DURATION_FACTOR") == value
    else:
        with pytest.raises(InvalidSetting, match=problem):
            service.set_value("BACKUP_DURATION_FACTOR", value)
