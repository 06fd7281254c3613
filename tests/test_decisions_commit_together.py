"""Law 13: a decision ("alerted", "sent", an incident) and its consequence (the alert, the
redemptions) commit together, and queue enqueues wait for the commit. A crash between the two
(here: the consequence raising) leaves neither, so the next run decides again and nothing is lost."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from plexportal import db as dbmod
from plexportal.backups import monitor
from plexportal.backups.models import BackupIncident, BackupRun
from plexportal.lib import clock
from plexportal.notify import service as notify
from plexportal.notify.models import Notification

NY = ZoneInfo("America/New_York")


def test_on_commit_runs_after_commit_never_on_rollback_and_now_outside_a_transaction(db):
    ran = []
    with db.atomic():
        dbmod.on_commit(ran.append, "first")
        with db.atomic():                            # a savepoint is not the commit
            dbmod.on_commit(ran.append, "nested")
        assert ran == []
    assert ran == ["first", "nested"]
    with pytest.raises(RuntimeError), db.atomic():
        dbmod.on_commit(ran.append, "rolled back")
        raise RuntimeError
    dbmod.on_commit(ran.append, "now")
    assert ran == ["first", "nested", "now"]


def test_on_commit_logs_a_failing_action_instead_of_failing_the_commit(db, caplog):
    def broken():
        raise ValueError("queue down")
    with db.atomic():
        dbmod.on_commit(broken)
    assert "after-commit action broken failed" in caplog.text


def test_a_queued_email_is_enqueued_only_when_its_transaction_commits(db, set_settings, monkeypatch):
    from plexportal.notify import tasks

    enqueued = []
    monkeypatch.setattr(notify, "_enqueue_send", lambda ids: enqueued.append(ids))
    with pytest.raises(RuntimeError), db.atomic():
        notify.queue_email("a@example.com", "s", "t")
        raise RuntimeError("crash before commit")
    assert enqueued == [] and Notification.select().count() == 0
    with db.atomic():
        row = notify.queue_email("a@example.com", "s", "t")
        assert enqueued == []                        # not inside the transaction
    assert enqueued == [[row.id]]
    assert tasks.send_notifications_task          # the real task the enqueue would call


def test_a_backup_incident_is_not_stored_without_its_alert(db, set_settings, monkeypatch):
    set_settings(BACKUP_SCHEDULE="0 3 * * *", BACKUP_TIMEZONE="America/New_York", BACKUP_GRACE="60",
                 ADMIN_EMAIL="owner@example.com", SERVER_NAME="Harbour Server")
    start = datetime(2026, 5, 11, 3, 0, tzinfo=NY)
    BackupRun.create(key="log:1", source="log", day=start.date(), started_at=start,
                     finished_at=start + timedelta(minutes=10), duration_seconds=600, status="failed", exit_code=12)
    clock.freeze(start + timedelta(minutes=20))
    real = notify.queue_admin_alert

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed here")
    monkeypatch.setattr(notify, "queue_admin_alert", crash)
    with pytest.raises(RuntimeError):
        monitor.evaluate()
    assert BackupIncident.select().count() == 0     # the decision went with its consequence
    monkeypatch.setattr(notify, "queue_admin_alert", real)
    monitor.evaluate()                               # the next run decides again
    assert [n.subject for n in Notification.select()] == ["Backup failed on Harbour Server (rsync code 12)"]
    assert BackupIncident.select().count() == 1


def test_a_batch_is_not_marked_sent_without_its_redemptions(db, monkeypatch):
    from plexportal.invites import batch as batches
    from plexportal.invites.models import Batch, Redemption

    b = batches.create("people.csv", b"email\nann@example.com\nbob@example.com\n")
    real = Redemption.create
    made = []

    def dies_on_the_second(**fields):
        if made:
            raise RuntimeError("worker killed mid-batch")
        made.append(fields)
        return real(**fields)
    monkeypatch.setattr(Redemption, "create", dies_on_the_second)
    with pytest.raises(RuntimeError):
        batches.send(b.id)
    assert Batch.get_by_id(b.id).status == "preview" and Redemption.select().count() == 0
    monkeypatch.setattr(Redemption, "create", real)
    assert batches.send(b.id) == 2                  # sent again from the start, nothing half-done


def test_notify_user_inside_a_transaction_schedules_after_commit(db, make_user, monkeypatch):
    scheduled = []
    monkeypatch.setattr(notify, "_schedule_send", lambda ids, at: scheduled.append(ids))
    user = make_user()
    with db.atomic():
        [row] = notify.notify_user(user, "media.ready", "tv:1", {"season": 1, "episode": 1},
                                   {"media_type": "tv", "title": "Show"})
        assert scheduled == []                      # matching announces inside its own transaction
    assert scheduled == [[row.id]]
