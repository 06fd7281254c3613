"""operations: self-backups, log records, job states"""
from peewee import *

from plexportal.db import UTCDateTimeField


def up(migrator, db):
    class JobState(Model):
        name = CharField(unique=True, max_length=150)
        last_started_at = UTCDateTimeField(null=True)
        last_finished_at = UTCDateTimeField(null=True)
        last_duration_ms = IntegerField(null=True)
        last_outcome = CharField(max_length=12, default='')
        last_error = CharField(max_length=500, default='')
        runs = IntegerField(default=0)
        failures = IntegerField(default=0)
        run_requested_at = UTCDateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'job_state'
    db.create_tables([JobState])

    class LogRecord(Model):
        at = UTCDateTimeField(index=True)
        process = CharField(max_length=12, default='')
        level = CharField(index=True, max_length=8)
        levelno = IntegerField(default=20)
        area = CharField(index=True, max_length=32, default='')
        logger = CharField(max_length=100, default='')
        message = TextField(default='')
        subject_kind = CharField(max_length=16, default='')
        subject_id = IntegerField(null=True)
        class Meta:
            database = db
            table_name = 'log_record'
    db.create_tables([LogRecord])

    class SelfBackup(Model):
        kind = CharField(max_length=12)
        status = CharField(index=True, max_length=12, default='queued')
        fire_at = UTCDateTimeField(unique=True, null=True)
        requested_at = UTCDateTimeField(index=True)
        started_at = UTCDateTimeField(null=True)
        finished_at = UTCDateTimeField(null=True)
        folder = CharField(max_length=500, default='')
        file_name = CharField(max_length=200, default='')
        size_bytes = BigIntegerField(null=True)
        tables_total = IntegerField(default=0)
        tables_done = IntegerField(default=0)
        rows_total = BigIntegerField(default=0)
        rows_done = BigIntegerField(default=0)
        message = CharField(max_length=500, default='')
        class Meta:
            database = db
            table_name = 'self_backup'
    db.create_tables([SelfBackup])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('self_backup'))
    migrator.migrate(migrator.drop_table('log_record'))
    migrator.migrate(migrator.drop_table('job_state'))
