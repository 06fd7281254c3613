"""Backup history and the state the monitor keeps between ticks."""
from __future__ import annotations

import peewee as pw

from plexportal.db import BaseModel, JSONField, UTCDateTimeField
from plexportal.lib import clock

STATUSES = ("success", "failed", "partial", "running", "missed")


class BackupJob(BaseModel):
    """A manual run of BACKUP_SCRIPT_PATH (Run now or `backups run`)."""
    requested_at = UTCDateTimeField(default=clock.now)
    requested_by = pw.CharField(max_length=80, default="")
    status = pw.CharField(max_length=12, default="queued", index=True)   # queued|running|success|failed|vanished
    started_at = UTCDateTimeField(null=True)
    finished_at = UTCDateTimeField(null=True)
    pid = pw.IntegerField(null=True)
    pid_start = pw.CharField(max_length=40, default="")   # /proc start time: a reused pid is not our process
    exit_code = pw.IntegerField(null=True)
    output_path = pw.CharField(max_length=500, default="")
    note = pw.CharField(max_length=300, default="")


class BackupRun(BaseModel):
    """One backup: from a log section, a tracking-file day, a ping, a manual run, or a missed fire time."""
    key = pw.CharField(max_length=80, unique=True)
    source = pw.CharField(max_length=12)                 # log | tracking | ping | job | schedule
    day = pw.DateField(index=True)                       # the run's day in the backup's zone
    started_at = UTCDateTimeField(null=True, index=True)
    finished_at = UTCDateTimeField(null=True)
    expected_at = UTCDateTimeField(null=True)            # missed runs: the fire time that passed
    duration_seconds = pw.IntegerField(null=True)
    status = pw.CharField(max_length=12)
    exit_code = pw.IntegerField(null=True)
    sent_bytes = pw.BigIntegerField(null=True)
    received_bytes = pw.BigIntegerField(null=True)
    total_size_bytes = pw.BigIntegerField(null=True)
    files_transferred = pw.BigIntegerField(null=True)
    dry_run = pw.BooleanField(default=False)
    excerpt = pw.TextField(default="")
    note = pw.CharField(max_length=300, default="")
    job = pw.ForeignKeyField(BackupJob, null=True, backref="runs", on_delete="SET NULL")
    updated_at = UTCDateTimeField(default=clock.now)

    class Meta:
        # Covers the page's aggregates and "latest run" lookups, so ten years of history are read
        # from the index without touching the rows (and their log excerpts).
        indexes = ((("day", "status", "dry_run", "total_size_bytes", "duration_seconds", "started_at",
                     "finished_at"), False),)


class TrackingDay(BaseModel):
    """One line of the tracking file (several lines may share a day)."""
    day = pw.DateField()
    position = pw.IntegerField()                         # 0 for the day's first line, 1 for the next…
    status = pw.CharField(max_length=12)

    class Meta:
        indexes = ((("day", "position"), True),)


class LogCursor(BaseModel):
    """How far the poller has read a file, and which file that was (rotation, truncation)."""
    name = pw.CharField(max_length=16, unique=True)      # log | tracking
    path = pw.CharField(max_length=500, default="")
    device = pw.BigIntegerField(null=True)
    inode = pw.BigIntegerField(null=True)
    offset = pw.BigIntegerField(default=0)
    fingerprint = pw.CharField(max_length=64, default="")   # hash of the file's first bytes
    state = JSONField(null=True)                         # the open log section (bounded head/tail)
    read_at = UTCDateTimeField(null=True)


class BackupCheck(BaseModel):
    """The single row of monitor state (id 1)."""
    state = pw.CharField(max_length=12, default="unknown")
    state_since = UTCDateTimeField(null=True)
    evaluated_at = UTCDateTimeField(null=True)
    polled_at = UTCDateTimeField(null=True)
    last_manual_at = UTCDateTimeField(null=True)
    summary_sent_at = UTCDateTimeField(null=True)
    dest_checked_at = UTCDateTimeField(null=True)        # the periodic check of BACKUP_DEST_PATH
    dest_ok = pw.BooleanField(null=True)                 # None: not checked (or no destination set)
    dest_message = pw.TextField(default="")              # what the last check found, in words


class BackupIncident(BaseModel):
    """Something wrong, alerted once when it starts and once when it ends."""
    kind = pw.CharField(max_length=16, index=True)       # failed|missed|stuck|size|duration|partial|destination
    opened_at = UTCDateTimeField(default=clock.now)
    closed_at = UTCDateTimeField(null=True, index=True)
    run = pw.ForeignKeyField(BackupRun, null=True, on_delete="SET NULL")
    subject = pw.CharField(max_length=300, default="")
    detail = pw.TextField(default="")
