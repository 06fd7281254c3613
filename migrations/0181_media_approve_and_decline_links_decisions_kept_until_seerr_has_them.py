"""media: approve and decline links, decisions kept until Seerr has them"""
from peewee import *

from plexportal.db import UTCDateTimeField


def up(migrator, db):
    class MediaRequest(Model):
        class Meta:
            database = db
            table_name = 'media_request'

    class DecisionLink(Model):
        request = ForeignKeyField(MediaRequest, on_delete='CASCADE')
        action = CharField(max_length=8)
        nonce = CharField(unique=True, max_length=64)
        created_at = UTCDateTimeField()
        expires_at = UTCDateTimeField()
        used_at = UTCDateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'decision_link'
    db.create_tables([DecisionLink])

    class RequestDecision(Model):
        request = ForeignKeyField(MediaRequest, on_delete='CASCADE')
        action = CharField(max_length=8)
        status = CharField(index=True, max_length=8, default='queued')
        reason = TextField(default='')
        by_label = CharField(max_length=150, default='')
        via = CharField(max_length=8, default='page')
        link = ForeignKeyField(DecisionLink, null=True, on_delete='SET NULL')
        attempts = IntegerField(default=0)
        next_try_at = UTCDateTimeField(index=True)
        last_error = CharField(max_length=500, default='')
        created_at = UTCDateTimeField()
        done_at = UTCDateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'request_decision'
    db.create_tables([RequestDecision])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('request_decision'))
    migrator.migrate(migrator.drop_table('decision_link'))
