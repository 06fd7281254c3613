"""notify: messages told once per event"""
from peewee import *

from plexportal.db import UTCDateTimeField


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Told(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        key = CharField(max_length=200)
        kind = CharField(max_length=64, default='')
        at = UTCDateTimeField()
        class Meta:
            database = db
            table_name = 'told'
            indexes = ((('user', 'key'), True),)
    db.create_tables([Told])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('told'))
