"""Foundation: users, sessions, settings, service checks, audit log."""
from peewee import *

from plexportal.db import UTCDateTimeField


def up(migrator, db):
    class User(Model):
        username = CharField(unique=True, max_length=150)
        email = CharField(index=True, null=True, max_length=254)
        display_name = CharField(max_length=150, default='')
        role = CharField(max_length=16, default='user')
        password_hash = CharField(null=True)
        session_version = IntegerField(default=1)
        is_active = BooleanField(default=True)
        seerr_user_id = IntegerField(unique=True, null=True)
        plex_user_id = IntegerField(unique=True, null=True)
        plex_username = CharField(null=True, max_length=150)
        avatar_url = CharField(null=True, max_length=500)
        created_at = UTCDateTimeField()
        last_login_at = UTCDateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'user'
    db.create_tables([User])

    class AuditEntry(Model):
        at = UTCDateTimeField(index=True)
        actor = ForeignKeyField(User, null=True, on_delete='SET NULL')
        actor_label = CharField(max_length=150, default='system')
        action = CharField(index=True, max_length=64)
        message = TextField(default='')
        class Meta:
            database = db
            table_name = 'audit_entry'
    db.create_tables([AuditEntry])

    class ServiceCheck(Model):
        service = CharField(primary_key=True, max_length=32)
        ok = BooleanField(default=False)
        message = CharField(max_length=300, default='')
        checked_at = UTCDateTimeField()
        class Meta:
            database = db
            table_name = 'service_check'
    db.create_tables([ServiceCheck])

    class Setting(Model):
        key = CharField(primary_key=True, max_length=64)
        value = TextField(default='')
        updated_at = UTCDateTimeField()
        class Meta:
            database = db
            table_name = 'setting'
    db.create_tables([Setting])

    class UserSession(Model):
        id = CharField(primary_key=True, max_length=64)
        user = ForeignKeyField(User, on_delete='CASCADE')
        created_at = UTCDateTimeField()
        last_seen_at = UTCDateTimeField()
        ip = CharField(max_length=64, default='')
        user_agent = CharField(max_length=300, default='')
        class Meta:
            database = db
            table_name = 'user_session'
    db.create_tables([UserSession])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('user_session'))
    migrator.migrate(migrator.drop_table('setting'))
    migrator.migrate(migrator.drop_table('service_check'))
    migrator.migrate(migrator.drop_table('audit_entry'))
    migrator.migrate(migrator.drop_table('user'))
