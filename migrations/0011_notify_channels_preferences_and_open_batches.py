"""notify channels, preferences and open batches"""
from peewee import *

from plexportal.db import JSONField, UTCDateTimeField


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Channel(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        label = CharField(max_length=100, default='')
        service = CharField(max_length=32, default='')
        url_encrypted = TextField()
        url_hint = CharField(max_length=120, default='')
        events = JSONField(null=True)
        admin_alerts = BooleanField(default=False)
        enabled = BooleanField(default=True)
        created_at = UTCDateTimeField()
        class Meta:
            database = db
            table_name = 'channel'
    db.create_tables([Channel])

    class NotifyPrefs(Model):
        user = ForeignKeyField(User, unique=True, on_delete='CASCADE')
        email_enabled = BooleanField(default=True)
        email_events = JSONField(null=True)
        unsubscribed_at = UTCDateTimeField(null=True)
        updated_at = UTCDateTimeField()
        class Meta:
            database = db
            table_name = 'notify_prefs'
    db.create_tables([NotifyPrefs])

    migrator.migrate(migrator.add_column('notification', 'batch_key', CharField(unique=True, null=True, max_length=200)))
    migrator.migrate(migrator.add_column('notification', 'batch_version', IntegerField(default=0)))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('notification', 'notification_batch_key'))
    migrator.migrate(migrator.drop_column('notification', 'batch_version'))
    migrator.migrate(migrator.drop_column('notification', 'batch_key'))
    migrator.migrate(migrator.drop_table('notify_prefs'))
    migrator.migrate(migrator.drop_table('channel'))
