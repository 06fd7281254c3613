"""notify sent today index"""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_index('notification', ('status', 'sent_at')))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('notification', 'notification_status_sent_at'))
