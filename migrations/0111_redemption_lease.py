"""invites: a lease on the redemption being provisioned"""
from peewee import *

from plexportal.db import UTCDateTimeField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('redemption', 'leased_by', CharField(max_length=64, default="")),
        migrator.add_column('redemption', 'lease_until', UTCDateTimeField(null=True)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column('redemption', 'lease_until'),
        migrator.drop_column('redemption', 'leased_by'),
    )
