"""backups covering index"""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.drop_index('backup_run', 'backuprun_status'))
    migrator.migrate(migrator.add_index('backup_run', ('day', 'status', 'dry_run', 'total_size_bytes', 'duration_seconds', 'started_at', 'finished_at')))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('backup_run', 'backup_run_day_status_dry_run_total_size_bytes_duration__6a41acd'))
    migrator.migrate(migrator.add_index('backup_run', ('status',), name='backuprun_status'))
