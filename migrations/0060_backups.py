"""backups"""
from peewee import *

from plexportal.db import JSONField, UTCDateTimeField


def up(migrator, db):
    class BackupCheck(Model):
        state = CharField(max_length=12, default='unknown')
        state_since = UTCDateTimeField(null=True)
        evaluated_at = UTCDateTimeField(null=True)
        polled_at = UTCDateTimeField(null=True)
        last_manual_at = UTCDateTimeField(null=True)
        summary_sent_at = UTCDateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'backup_check'
    db.create_tables([BackupCheck])

    class BackupJob(Model):
        requested_at = UTCDateTimeField()
        requested_by = CharField(max_length=80, default='')
        status = CharField(index=True, max_length=12, default='queued')
        started_at = UTCDateTimeField(null=True)
        finished_at = UTCDateTimeField(null=True)
        pid = IntegerField(null=True)
        pid_start = CharField(max_length=40, default='')
        exit_code = IntegerField(null=True)
        output_path = CharField(max_length=500, default='')
        note = CharField(max_length=300, default='')
        class Meta:
            database = db
            table_name = 'backup_job'
    db.create_tables([BackupJob])

    class BackupRun(Model):
        key = CharField(unique=True, max_length=80)
        source = CharField(max_length=12)
        day = DateField(index=True)
        started_at = UTCDateTimeField(index=True, null=True)
        finished_at = UTCDateTimeField(null=True)
        expected_at = UTCDateTimeField(null=True)
        duration_seconds = IntegerField(null=True)
        status = CharField(index=True, max_length=12)
        exit_code = IntegerField(null=True)
        sent_bytes = BigIntegerField(null=True)
        received_bytes = BigIntegerField(null=True)
        total_size_bytes = BigIntegerField(null=True)
        files_transferred = BigIntegerField(null=True)
        dry_run = BooleanField(default=False)
        excerpt = TextField(default='')
        note = CharField(max_length=300, default='')
        job = ForeignKeyField(BackupJob, null=True, on_delete='SET NULL')
        updated_at = UTCDateTimeField()
        class Meta:
            database = db
            table_name = 'backup_run'
    db.create_tables([BackupRun])

    class BackupIncident(Model):
        kind = CharField(index=True, max_length=16)
        opened_at = UTCDateTimeField()
        closed_at = UTCDateTimeField(index=True, null=True)
        run = ForeignKeyField(BackupRun, null=True, on_delete='SET NULL')
        subject = CharField(max_length=300, default='')
        detail = TextField(default='')
        class Meta:
            database = db
            table_name = 'backup_incident'
    db.create_tables([BackupIncident])

    class LogCursor(Model):
        name = CharField(unique=True, max_length=16)
        path = CharField(max_length=500, default='')
        device = BigIntegerField(null=True)
        inode = BigIntegerField(null=True)
        offset = BigIntegerField(default=0)
        fingerprint = CharField(max_length=64, default='')
        state = JSONField(null=True)
        read_at = UTCDateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'log_cursor'
    db.create_tables([LogCursor])

    class TrackingDay(Model):
        day = DateField()
        position = IntegerField()
        status = CharField(max_length=12)
        class Meta:
            database = db
            table_name = 'tracking_day'
            indexes = ((('day', 'position'), True),)
    db.create_tables([TrackingDay])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('tracking_day'))
    migrator.migrate(migrator.drop_table('log_cursor'))
    migrator.migrate(migrator.drop_table('backup_incident'))
    migrator.migrate(migrator.drop_table('backup_run'))
    migrator.migrate(migrator.drop_table('backup_job'))
    migrator.migrate(migrator.drop_table('backup_check'))
