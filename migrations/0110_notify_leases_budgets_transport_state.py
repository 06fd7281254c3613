"""notify: leases on claims, retry budget, uncertain deliveries, transport state"""
from peewee import *

from plexportal.db import UTCDateTimeField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('notification', 'claimed_by', CharField(max_length=64, default="")),
        migrator.add_column('notification', 'lease_until', UTCDateTimeField(null=True)),
        migrator.add_column('notification', 'give_up_at', UTCDateTimeField(null=True)),
        migrator.add_column('notification', 'uncertain_at', UTCDateTimeField(null=True)),
        migrator.add_index('notification', ('lease_until',), False),
    )

    class Transport(Model):
        name = CharField(max_length=32, unique=True)
        down_since = UTCDateTimeField(null=True)
        failures = IntegerField(default=0)
        next_probe_at = UTCDateTimeField(null=True)
        last_error = CharField(max_length=500, default="")
        checked_at = UTCDateTimeField(null=True)

        class Meta:
            database = db
            table_name = 'transport'

    db.create_tables([Transport])


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS transport')
    migrator.migrate(
        migrator.drop_index('notification', 'notification_lease_until'),
        migrator.drop_column('notification', 'uncertain_at'),
        migrator.drop_column('notification', 'give_up_at'),
        migrator.drop_column('notification', 'lease_until'),
        migrator.drop_column('notification', 'claimed_by'),
    )
