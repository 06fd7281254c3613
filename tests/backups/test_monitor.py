"""The dead man's switch: late/down from the schedule, across worker outages and DST, alerting once."""
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from plexportal.backups import monitor, service
from plexportal.backups.models import BackupRun
from plexportal.lib import clock
from plexportal.notify.models import Notification

NY = ZoneInfo("America/New_York")


def setup(set_settings, schedule="0 3 * * *", **extra):
    set_settings(BACKUP_SCHEDULE=schedule, BACKUP_TIMEZONE="America/New_York", TIMEZONE="America/New_York",
                 BACKUP_GRACE="60", ADMIN_EMAIL="owner@example.com", SERVER_NAME="Harbour Server", **extra)


def run(local: datetime, status="success", minutes=10, size=8_000_000_000, code=None, key=None):
    start = local.replace(tzinfo=NY).astimezone(UTC)
    return BackupRun.create(key=key or f"log:{start.isoformat()}", source="log", day=local.date(), started_at=start,
                            finished_at=start + timedelta(minutes=minutes), duration_seconds=minutes * 60,
                            status=status, total_size_bytes=size, exit_code=0 if status == "success" else code)


def at(local: datetime):
    clock.freeze(local.replace(tzinfo=NY))


def subjects():
    return [n.subject for n in Notification.select().order_by(Notification.id)]


def test_it_is_up_then_late_then_down_as_the_schedule_passes(db, set_settings):
    setup(set_settings)
    run(datetime(2026, 5, 10, 3, 0))
    at(datetime(2026, 5, 10, 12, 0))
    st = monitor.evaluate()
    assert st.state == "up"
    assert st.next_expected_at == datetime(2026, 5, 11, 7, 0, tzinfo=UTC)
    at(datetime(2026, 5, 11, 3, 30))
    assert monitor.evaluate().state == "late"
    assert subjects() == []
    at(datetime(2026, 5, 11, 4, 1))
    assert monitor.evaluate().state == "down"
    assert subjects() == ["Backup missed on Harbour Server"]


def test_it_catches_missed_runs_after_the_worker_was_down_and_alerts_once(db, set_settings):
    setup(set_settings)
    run(datetime(2026, 5, 10, 3, 0))
    at(datetime(2026, 5, 10, 3, 30))
    assert monitor.evaluate().state == "up"
    # the worker is down for three days: no tick at all
    at(datetime(2026, 5, 13, 9, 0))
    st = monitor.evaluate()
    assert st.state == "down"
    missed = BackupRun.select().where(BackupRun.status == "missed").order_by(BackupRun.day)
    assert [r.day for r in missed] == [date(2026, 5, 11), date(2026, 5, 12), date(2026, 5, 13)]
    assert next(r.expected_at for r in missed) == datetime(2026, 5, 11, 7, 0, tzinfo=UTC)
    monitor.evaluate()
    clock.advance(timedelta(minutes=1))
    monitor.evaluate()
    assert subjects() == ["Backup missed on Harbour Server"]
    assert BackupRun.select().where(BackupRun.status == "missed").count() == 3
    # recovery: one more message, then quiet
    run(datetime(2026, 5, 13, 9, 30))
    at(datetime(2026, 5, 13, 10, 0))
    assert monitor.evaluate().state == "up"
    monitor.evaluate()
    assert subjects() == ["Backup missed on Harbour Server", "Backup recovered on Harbour Server: a backup ran again"]
    assert BackupRun.select().where(BackupRun.status == "missed").count() == 2   # the 13th's run turned up


def test_it_computes_the_due_time_in_local_time_across_the_spring_dst_change(db, set_settings):
    setup(set_settings, schedule="30 2 * * *")
    run(datetime(2026, 3, 7, 2, 30))                 # EST (UTC-5)
    at(datetime(2026, 3, 7, 12, 0))
    st = monitor.evaluate()
    # 02:30 does not exist on 8 March; Debian cron runs it at 03:00 EDT = 07:00 UTC, not 07:30
    assert st.next_expected_at == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    clock.freeze(datetime(2026, 3, 8, 7, 5, tzinfo=UTC))
    assert monitor.evaluate().state == "late"
    clock.freeze(datetime(2026, 3, 8, 8, 1, tzinfo=UTC))
    assert monitor.evaluate().state == "down"
    run(datetime(2026, 3, 9, 2, 30))                 # EDT (UTC-4) from now on
    clock.freeze(datetime(2026, 3, 9, 7, 0, tzinfo=UTC))
    st = monitor.evaluate()
    assert st.state == "up" and st.next_expected_at == datetime(2026, 3, 10, 6, 30, tzinfo=UTC)


def test_it_does_not_cry_wolf_on_the_autumn_repeated_hour(db, set_settings):
    setup(set_settings, schedule="30 1 * * *")
    first = datetime(2026, 11, 1, 1, 30, tzinfo=NY)   # the first 01:30 (EDT)
    BackupRun.create(key="log:a", source="log", day=date(2026, 11, 1), started_at=first.astimezone(UTC),
                     finished_at=first.astimezone(UTC) + timedelta(minutes=5), status="success")
    clock.freeze(first.astimezone(UTC) + timedelta(hours=1, minutes=30))   # the second 01:30 has passed
    st = monitor.evaluate()
    assert st.state == "up"
    assert st.next_expected_at == datetime(2026, 11, 2, 6, 30, tzinfo=UTC)


def test_it_alerts_a_failed_run_once_with_the_code_and_again_on_recovery(db, set_settings):
    setup(set_settings)
    run(datetime(2026, 5, 10, 3, 0))
    run(datetime(2026, 5, 11, 3, 0), status="failed", code=12)
    at(datetime(2026, 5, 11, 3, 20))
    assert monitor.evaluate().state == "down"
    run(datetime(2026, 5, 12, 3, 0), status="failed", code=12)
    at(datetime(2026, 5, 12, 3, 20))
    monitor.evaluate()
    assert subjects() == ["Backup failed on Harbour Server (rsync code 12)"]
    run(datetime(2026, 5, 13, 3, 0))
    at(datetime(2026, 5, 13, 3, 20))
    assert monitor.evaluate().state == "up"
    assert subjects()[-1] == "Backup recovered on Harbour Server: a backup succeeded again"
    assert len(subjects()) == 2


def test_it_flags_a_partial_transfer_as_a_warning_not_an_outage(db, set_settings):
    setup(set_settings)
    run(datetime(2026, 5, 10, 3, 0), status="partial", code=23)
    at(datetime(2026, 5, 10, 3, 20))
    assert monitor.evaluate().state == "up"
    assert subjects() == ["Backup partly done on Harbour Server (rsync code 23)"]


def test_it_reports_a_run_stuck_in_running(db, set_settings):
    setup(set_settings, BACKUP_MAX_RUNTIME="120")
    run(datetime(2026, 5, 10, 3, 0))
    start = datetime(2026, 5, 11, 3, 0, tzinfo=NY).astimezone(UTC)
    BackupRun.create(key="log:stuck", source="log", day=date(2026, 5, 11), started_at=start, status="running")
    at(datetime(2026, 5, 11, 4, 30))
    st = monitor.evaluate()
    assert st.state == "up" and st.running is not None
    at(datetime(2026, 5, 11, 5, 1))
    st = monitor.evaluate()
    assert st.state == "down" and st.stuck
    assert subjects() == ["Backup stuck on Harbour Server"]


def test_it_alerts_when_the_backup_shrinks_or_slows_against_the_median(db, set_settings):
    setup(set_settings, BACKUP_ANOMALY_MIN_HISTORY="5")
    for d in range(1, 8):
        run(datetime(2026, 5, d, 3, 0), size=8_000_000_000 + d, minutes=10)
    run(datetime(2026, 5, 8, 3, 0), size=6_000_000_000, minutes=35)
    at(datetime(2026, 5, 8, 4, 0))
    monitor.evaluate()
    assert sorted(subjects()) == ["Backup much smaller than usual on Harbour Server",
                                  "Backup slower than usual on Harbour Server"]
    body = Notification.get(Notification.subject.contains("smaller")).text_body
    assert "25% smaller" in body
    run(datetime(2026, 5, 9, 3, 0), size=8_000_000_000, minutes=10)
    at(datetime(2026, 5, 9, 4, 0))
    monitor.evaluate()
    assert len(subjects()) == 4 and all("recovered" in s for s in subjects()[2:])


def test_it_needs_enough_history_before_calling_anything_an_anomaly(db, set_settings):
    setup(set_settings)
    run(datetime(2026, 5, 1, 3, 0), size=8_000_000_000)
    run(datetime(2026, 5, 2, 3, 0), size=1_000_000_000, minutes=100)
    at(datetime(2026, 5, 2, 4, 0))
    monitor.evaluate()
    assert subjects() == []


def test_it_is_unknown_without_a_schedule_or_any_run(db, set_settings):
    set_settings(BACKUP_TIMEZONE="America/New_York")
    assert monitor.compute().state == "unknown"
    setup(set_settings)
    assert monitor.compute().state == "unknown"


def test_a_tracking_only_day_counts_as_a_run_without_inventing_a_time(db, set_settings):
    setup(set_settings)
    BackupRun.create(key="tracking:2026-05-10#0", source="tracking", day=date(2026, 5, 10), status="success")
    at(datetime(2026, 5, 10, 20, 0))
    st = monitor.evaluate()
    assert st.state == "up" and st.next_expected_at == datetime(2026, 5, 11, 7, 0, tzinfo=UTC)
    assert service.totals()["rate"] == 100
