"""Operations: self-backups of plexportal, the bounded log store, and what each periodic task did
last."""
from __future__ import annotations

import peewee as pw

from plexportal.db import BaseModel, UTCDateTimeField
from plexportal.lib import clock

KINDS = ("scheduled", "manual", "cli", "upgrade", "safety")


class SelfBackup(BaseModel):
    """One attempt to back plexportal up: scheduled, Create now, the command line, before an
    upgrade, or the safety copy a forced restore takes."""
    kind = pw.CharField(max_length=12)
    status = pw.CharField(max_length=12, default="queued", index=True)   # queued|running|success|failed
    # The scheduled time this run is for: unique, so two workers never back up the same fire time.
    fire_at = UTCDateTimeField(null=True, unique=True)
    requested_at = UTCDateTimeField(default=clock.now, index=True)
    started_at = UTCDateTimeField(null=True)
    finished_at = UTCDateTimeField(null=True)
    folder = pw.CharField(max_length=500, default="")
    file_name = pw.CharField(max_length=200, default="")
    size_bytes = pw.BigIntegerField(null=True)
    tables_total = pw.IntegerField(default=0)
    tables_done = pw.IntegerField(default=0)
    rows_total = pw.BigIntegerField(default=0)
    rows_done = pw.BigIntegerField(default=0)
    message = pw.CharField(max_length=500, default="")   # what went wrong, in a sentence


class LogRecord(BaseModel):
    """A recent log record of the web, the worker or a command, redacted before it is stored. The
    table is capped (LOG_KEEP_RECORDS): the oldest rows are deleted as new ones arrive."""
    at = UTCDateTimeField(index=True)
    process = pw.CharField(max_length=12, default="")    # web | worker | cli
    level = pw.CharField(max_length=8, index=True)
    levelno = pw.IntegerField(default=20)
    area = pw.CharField(max_length=32, default="", index=True)
    logger = pw.CharField(max_length=100, default="")
    message = pw.TextField(default="")
    subject_kind = pw.CharField(max_length=16, default="")   # webhook | message | redemption | invite | job
    subject_id = pw.IntegerField(null=True)


class JobState(BaseModel):
    """The last run of one task, written by the worker when the task starts and ends."""
    name = pw.CharField(max_length=150, unique=True)     # the task's dotted name
    last_started_at = UTCDateTimeField(null=True)
    last_finished_at = UTCDateTimeField(null=True)
    last_duration_ms = pw.IntegerField(null=True)
    last_outcome = pw.CharField(max_length=12, default="")   # running | ok | error
    last_error = pw.CharField(max_length=500, default="")
    runs = pw.IntegerField(default=0)
    failures = pw.IntegerField(default=0)
    run_requested_at = UTCDateTimeField(null=True)       # Run now pressed (cleared when it starts)
