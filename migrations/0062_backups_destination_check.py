"""backups destination check"""
from peewee import *

from plexportal.db import UTCDateTimeField


def up(migrator, db):
    migrator.migrate(migrator.add_column('backup_check', 'dest_checked_at', UTCDateTimeField(null=True)))
    migrator.migrate(migrator.add_column('backup_check', 'dest_ok', BooleanField(null=True)))
    migrator.migrate(migrator.add_column('backup_check', 'dest_message', TextField(default='')))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('backup_check', 'dest_message'))
    migrator.migrate(migrator.drop_column('backup_check', 'dest_ok'))
    migrator.migrate(migrator.drop_column('backup_check', 'dest_checked_at'))
