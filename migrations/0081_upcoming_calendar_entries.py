"""upcoming calendar entries"""
from peewee import *

from plexportal.db import UTCDateTimeField


def up(migrator, db):
    class CalendarEntry(Model):
        key = CharField(unique=True, max_length=100)
        media_type = CharField(max_length=8)
        tvdb_id = IntegerField(index=True, null=True)
        tmdb_id = IntegerField(index=True, null=True)
        title = CharField(max_length=300, default='')
        detail = CharField(max_length=300, default='')
        starts_at = UTCDateTimeField(index=True)
        all_day = BooleanField(default=False)
        minutes = IntegerField(default=0)
        refreshed_at = UTCDateTimeField()
        class Meta:
            database = db
            table_name = 'calendar_entry'
    db.create_tables([CalendarEntry])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('calendar_entry'))
