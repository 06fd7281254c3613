"""people last request and sent count indexes"""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_index('media_request', ('requested_by_id', 'created_at')))
    migrator.migrate(migrator.add_index('notification', ('user_id', 'status')))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('notification', 'notification_user_id_status'))
    migrator.migrate(migrator.drop_index('media_request', 'media_request_requested_by_id_created_at'))
