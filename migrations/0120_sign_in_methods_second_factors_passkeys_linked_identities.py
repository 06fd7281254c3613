"""sign-in methods: second factors, passkeys, linked identities"""
from peewee import *

from plexportal.db import JSONField, UTCDateTimeField


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class ExternalIdentity(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        provider = CharField(max_length=16, default='oidc')
        issuer = CharField(max_length=500)
        subject = CharField()
        email = CharField(max_length=254, default='')
        created_at = UTCDateTimeField()
        last_used_at = UTCDateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'external_identity'
            indexes = ((('provider', 'issuer', 'subject'), True),)
    db.create_tables([ExternalIdentity])

    class Passkey(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        credential_id = CharField(unique=True, max_length=1400)
        public_key = TextField()
        sign_count = BigIntegerField(default=0)
        user_handle = CharField(max_length=128)
        name = CharField(max_length=80, default='Passkey')
        transports = JSONField(default=list)
        backed_up = BooleanField(default=False)
        created_at = UTCDateTimeField()
        last_used_at = UTCDateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'passkey'
    db.create_tables([Passkey])

    class RecoveryCode(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        code_hash = CharField(unique=True, max_length=64)
        used_at = UTCDateTimeField(null=True)
        created_at = UTCDateTimeField()
        class Meta:
            database = db
            table_name = 'recovery_code'
    db.create_tables([RecoveryCode])

    class TotpFactor(Model):
        user = ForeignKeyField(User, unique=True, on_delete='CASCADE')
        secret = TextField()
        confirmed_at = UTCDateTimeField(null=True)
        last_step = BigIntegerField(default=0)
        created_at = UTCDateTimeField()
        last_used_at = UTCDateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'totp_factor'
    db.create_tables([TotpFactor])

    migrator.migrate(migrator.add_column('user_session', 'method', CharField(max_length=32, default='password')))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('user_session', 'method'))
    migrator.migrate(migrator.drop_table('totp_factor'))
    migrator.migrate(migrator.drop_table('recovery_code'))
    migrator.migrate(migrator.drop_table('passkey'))
    migrator.migrate(migrator.drop_table('external_identity'))
