"""notify: Web Push subscriptions (a person's devices, and admins' for their alerts)"""
from peewee import *

from plexportal.db import JSONField, UTCDateTimeField


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class PushSubscription(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        admin_alerts = BooleanField(default=False)
        endpoint = CharField(max_length=1000, unique=True)
        p256dh = CharField(max_length=200)
        auth = CharField(max_length=100)
        device = CharField(max_length=100, default='')
        events = JSONField(null=True)
        created_at = UTCDateTimeField()
        last_success_at = UTCDateTimeField(null=True)
        failures = IntegerField(default=0)
        last_error = CharField(max_length=500, default='')
        class Meta:
            database = db
            table_name = 'push_subscription'
    db.create_tables([PushSubscription])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('push_subscription'))
