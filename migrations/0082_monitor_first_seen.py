"""monitor first seen"""
from peewee import *

from plexportal.db import UTCDateTimeField


def up(migrator, db):
    migrator.migrate(migrator.add_column('monitor_state', 'first_seen_at', UTCDateTimeField(null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('monitor_state', 'first_seen_at'))
