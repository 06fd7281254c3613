"""invites: links, presets, redemptions, access"""
from peewee import *

from plexportal.db import JSONField, UTCDateTimeField


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Preset(Model):
        name = CharField(unique=True, max_length=80)
        libraries = JSONField(default=list)
        allow_sync = BooleanField(default=False)
        allow_channels = BooleanField(default=False)
        allow_camera_upload = BooleanField(default=False)
        filter_ratings = CharField(max_length=200, default='')
        filter_labels = CharField(max_length=200, default='')
        home = BooleanField(default=False)
        access_days = IntegerField(null=True)
        created_at = UTCDateTimeField()
        class Meta:
            database = db
            table_name = 'preset'
    db.create_tables([Preset])

    class Invite(Model):
        code = CharField(unique=True, max_length=32)
        label = CharField(max_length=120, default='')
        note = TextField(default='')
        expires_at = UTCDateTimeField(index=True, null=True)
        max_uses = IntegerField(null=True)
        use_count = IntegerField(default=0)
        enabled = BooleanField(default=True)
        libraries = JSONField(default=list)
        allow_sync = BooleanField(default=False)
        allow_channels = BooleanField(default=False)
        allow_camera_upload = BooleanField(default=False)
        filter_ratings = CharField(max_length=200, default='')
        filter_labels = CharField(max_length=200, default='')
        home = BooleanField(default=False)
        access_days = IntegerField(null=True)
        requires_approval = BooleanField(default=False)
        preset = ForeignKeyField(Preset, null=True, on_delete='SET NULL')
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = UTCDateTimeField()
        updated_at = UTCDateTimeField()
        class Meta:
            database = db
            table_name = 'invite'
    db.create_tables([Invite])

    class Batch(Model):
        filename = CharField(max_length=200, default='')
        rows = JSONField(default=list)
        status = CharField(max_length=16, default='preview')
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = UTCDateTimeField()
        sent_at = UTCDateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'batch'
    db.create_tables([Batch])

    class Redemption(Model):
        invite = ForeignKeyField(Invite, null=True, on_delete='SET NULL')
        batch = ForeignKeyField(Batch, null=True, on_delete='SET NULL')
        account_key = CharField(max_length=200)
        identifier = CharField(max_length=254)
        via = CharField(max_length=16, default='form')
        plex_user_id = IntegerField(index=True, null=True)
        plex_username = CharField(max_length=150, default='')
        email = CharField(max_length=254, default='')
        user_token = TextField(default='')
        terms = JSONField(default=dict)
        state = CharField(index=True, max_length=20, default='claimed')
        attempts = IntegerField(default=0)
        next_retry_at = UTCDateTimeField(index=True, null=True)
        error = CharField(max_length=500, default='')
        public_reason = CharField(max_length=20, default='')
        user = ForeignKeyField(User, null=True, on_delete='SET NULL')
        decided_by = CharField(max_length=150, default='')
        created_at = UTCDateTimeField(index=True)
        updated_at = UTCDateTimeField()
        class Meta:
            database = db
            table_name = 'redemption'
            indexes = ((('invite', 'account_key'), True),)
    db.create_tables([Redemption])

    class Access(Model):
        plex_user_id = IntegerField(unique=True)
        username = CharField(max_length=150, default='')
        email = CharField(max_length=254, default='')
        title = CharField(max_length=150, default='')
        thumb = CharField(max_length=500, default='')
        share_id = IntegerField(null=True)
        pending = BooleanField(default=True)
        libraries = JSONField(default=list)
        allow_sync = BooleanField(default=False)
        allow_channels = BooleanField(default=False)
        allow_camera_upload = BooleanField(default=False)
        filter_ratings = CharField(max_length=200, default='')
        filter_labels = CharField(max_length=200, default='')
        home = BooleanField(default=False)
        status = CharField(index=True, max_length=16, default='active')
        on_plex = BooleanField(default=True)
        last_seen_at = UTCDateTimeField(null=True)
        synced_at = UTCDateTimeField(null=True)
        expires_at = UTCDateTimeField(index=True, null=True)
        reminded_at = UTCDateTimeField(null=True)
        user = ForeignKeyField(User, null=True, on_delete='SET NULL')
        redemption = ForeignKeyField(Redemption, null=True, on_delete='SET NULL')
        invited_by = CharField(max_length=150, default='')
        joined_at = UTCDateTimeField()
        changed_at = UTCDateTimeField()
        class Meta:
            database = db
            table_name = 'access'
    db.create_tables([Access])

    class PlexLibrary(Model):
        section_id = IntegerField(unique=True)
        key = CharField(max_length=32)
        title = CharField(max_length=200)
        type = CharField(max_length=16, default='')
        refreshed_at = UTCDateTimeField()
        class Meta:
            database = db
            table_name = 'plex_library'
    db.create_tables([PlexLibrary])

    class PlexState(Model):
        machine_identifier = CharField(max_length=100, default='')
        server_name = CharField(max_length=200, default='')
        token_ok = BooleanField(null=True)
        message = CharField(max_length=300, default='')
        checked_at = UTCDateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'plex_state'
    db.create_tables([PlexState])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('plex_state'))
    migrator.migrate(migrator.drop_table('plex_library'))
    migrator.migrate(migrator.drop_table('access'))
    migrator.migrate(migrator.drop_table('redemption'))
    migrator.migrate(migrator.drop_table('batch'))
    migrator.migrate(migrator.drop_table('invite'))
    migrator.migrate(migrator.drop_table('preset'))
