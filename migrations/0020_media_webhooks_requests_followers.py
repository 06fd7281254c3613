"""Media: webhook events, requests, followers, arrivals, announcements, Seerr sync runs."""
from peewee import *

from plexportal.db import JSONField, UTCDateTimeField


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class MediaRequest(Model):
        seerr_request_id = IntegerField(unique=True, null=True)
        media_type = CharField(max_length=8)
        tmdb_id = IntegerField(index=True, null=True)
        tvdb_id = IntegerField(index=True, null=True)
        imdb_id = CharField(index=True, null=True, max_length=32)
        title = CharField(max_length=300, default='')
        year = IntegerField(null=True)
        poster_url = CharField(max_length=500, default='')
        overview = TextField(default='')
        seasons = JSONField(null=True)
        is_4k = BooleanField(default=False)
        status = CharField(index=True, max_length=16, default='pending')
        requested_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        origin = CharField(max_length=16, default='webhook')
        created_at = UTCDateTimeField(index=True)
        updated_at = UTCDateTimeField()
        class Meta:
            database = db
            table_name = 'media_request'
    db.create_tables([MediaRequest])

    class Announcement(Model):
        request = ForeignKeyField(MediaRequest, on_delete='CASCADE')
        user = ForeignKeyField(User, on_delete='CASCADE')
        season = IntegerField(default=0)
        episode = IntegerField(default=0)
        at = UTCDateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'announcement'
            indexes = ((('request', 'user', 'season', 'episode'), True),)
    db.create_tables([Announcement])

    class WebhookEvent(Model):
        source = CharField(index=True, max_length=16)
        dedup_key = CharField(unique=True, max_length=64)
        body = TextField(default='')
        event_type = CharField(index=True, max_length=64, default='')
        status = CharField(index=True, max_length=16, default='received')
        outcome = CharField(max_length=500, default='')
        attempts = IntegerField(default=0)
        received_at = UTCDateTimeField(index=True)
        processed_at = UTCDateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'webhook_event'
    db.create_tables([WebhookEvent])

    class Arrival(Model):
        media_type = CharField(max_length=8)
        media_key = CharField(index=True, max_length=64)
        season = IntegerField(default=0)
        episode = IntegerField(default=0)
        title = CharField(max_length=300, default='')
        series_title = CharField(max_length=300, default='')
        tmdb_id = IntegerField(null=True)
        tvdb_id = IntegerField(null=True)
        imdb_id = CharField(null=True, max_length=32)
        request = ForeignKeyField(MediaRequest, null=True, on_delete='SET NULL')
        event = ForeignKeyField(WebhookEvent, null=True, on_delete='SET NULL')
        arrived_at = UTCDateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'arrival'
            indexes = ((('media_key', 'season', 'episode'), True),)
    db.create_tables([Arrival])

    class Follower(Model):
        request = ForeignKeyField(MediaRequest, on_delete='CASCADE')
        user = ForeignKeyField(User, on_delete='CASCADE')
        role = CharField(max_length=16, default='follower')
        created_at = UTCDateTimeField()
        class Meta:
            database = db
            table_name = 'follower'
            indexes = ((('request', 'user'), True),)
    db.create_tables([Follower])

    class SyncRun(Model):
        status = CharField(max_length=16, default='running')
        total = IntegerField(default=0)
        done = IntegerField(default=0)
        message = CharField(max_length=500, default='')
        started_at = UTCDateTimeField()
        finished_at = UTCDateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'sync_run'
    db.create_tables([SyncRun])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('sync_run'))
    migrator.migrate(migrator.drop_table('follower'))
    migrator.migrate(migrator.drop_table('arrival'))
    migrator.migrate(migrator.drop_table('webhook_event'))
    migrator.migrate(migrator.drop_table('announcement'))
    migrator.migrate(migrator.drop_table('media_request'))
