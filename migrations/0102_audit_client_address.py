"""audit client address"""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column('audit_entry', 'ip', CharField(max_length=64, default='')))
    migrator.migrate(migrator.add_column('audit_entry', 'via_bypass', BooleanField(default=False)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('audit_entry', 'via_bypass'))
    migrator.migrate(migrator.drop_column('audit_entry', 'ip'))
