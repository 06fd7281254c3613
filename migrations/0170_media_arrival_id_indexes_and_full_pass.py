"""media arrival id indexes and full pass"""
from peewee import *

from plexportal.db import UTCDateTimeField


def up(migrator, db):
    migrator.migrate(migrator.add_column('media_request', 'full_pass_at', UTCDateTimeField(null=True)))
    migrator.migrate(migrator.add_index('arrival', ('imdb_id',)))
    migrator.migrate(migrator.add_index('arrival', ('tmdb_id', 'season', 'episode')))
    migrator.migrate(migrator.add_index('arrival', ('tvdb_id', 'season', 'episode')))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('arrival', 'arrival_tvdb_id_season_episode'))
    migrator.migrate(migrator.drop_index('arrival', 'arrival_tmdb_id_season_episode'))
    migrator.migrate(migrator.drop_index('arrival', 'arrival_imdb_id'))
    migrator.migrate(migrator.drop_column('media_request', 'full_pass_at'))
