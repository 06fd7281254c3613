"""Notify: the outbox (Notification) and every delivery attempt (Delivery)."""
from peewee import *

from plexportal.db import JSONField, UTCDateTimeField


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Notification(Model):
        kind = CharField(index=True, max_length=64)
        audience = CharField(max_length=16, default='user')
        user = ForeignKeyField(User, null=True, on_delete='SET NULL')
        channel = CharField(max_length=16, default='email')
        destination = CharField(max_length=500, default='')
        subject = CharField(max_length=300, default='')
        text_body = TextField(default='')
        html_body = TextField(default='')
        payload = JSONField(null=True)
        dedup_key = CharField(unique=True, null=True, max_length=200)
        group_key = CharField(index=True, null=True, max_length=200)
        status = CharField(index=True, max_length=16, default='pending')
        send_after = UTCDateTimeField(index=True)
        first_item_at = UTCDateTimeField(null=True)
        attempts = IntegerField(default=0)
        last_error = CharField(max_length=500, default='')
        flagged = CharField(max_length=300, default='')
        claimed_at = UTCDateTimeField(null=True)
        sent_at = UTCDateTimeField(null=True)
        created_at = UTCDateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'notification'
    db.create_tables([Notification])

    class Delivery(Model):
        notification = ForeignKeyField(Notification, on_delete='CASCADE')
        at = UTCDateTimeField()
        ok = BooleanField(default=False)
        error = CharField(max_length=500, default='')
        class Meta:
            database = db
            table_name = 'delivery'
    db.create_tables([Delivery])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('delivery'))
    migrator.migrate(migrator.drop_table('notification'))
