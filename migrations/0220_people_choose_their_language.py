"""people: the language a person chose on their page (empty: the browser's, then the server's)"""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column('user', 'language', CharField(max_length=8, default='')))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('user', 'language'))
