"""media health and maintenance"""
from peewee import *

from plexportal.db import JSONField, UTCDateTimeField


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class CalendarFeed(Model):
        user = ForeignKeyField(User, unique=True, on_delete='CASCADE')
        token = CharField(unique=True, max_length=64)
        created_at = UTCDateTimeField()
        last_fetched_at = UTCDateTimeField(null=True)
        enabled = BooleanField(default=True)
        class Meta:
            database = db
            table_name = 'calendar_feed'
    db.create_tables([CalendarFeed])

    class DownloadWatch(Model):
        service = CharField(max_length=8)
        download_id = CharField(max_length=200)
        title = CharField(max_length=500, default='')
        sizeleft = BigIntegerField(default=0)
        first_seen_at = UTCDateTimeField()
        last_seen_at = UTCDateTimeField()
        progress_at = UTCDateTimeField()
        problem = CharField(max_length=300, default='')
        alerted_at = UTCDateTimeField(null=True)
        alerts = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'download_watch'
            indexes = ((('service', 'download_id'), True),)
    db.create_tables([DownloadWatch])

    class HealthAction(Model):
        key = CharField(unique=True, max_length=200)
        monitor = CharField(index=True, max_length=32)
        kind = CharField(max_length=32)
        status = CharField(max_length=16, default='working')
        subject = CharField(max_length=300, default='')
        details = JSONField(null=True)
        error = CharField(max_length=500, default='')
        created_at = UTCDateTimeField(index=True)
        updated_at = UTCDateTimeField()
        class Meta:
            database = db
            table_name = 'health_action'
    db.create_tables([HealthAction])

    class IssueFix(Model):
        seerr_issue_id = IntegerField(unique=True)
        issue_type = CharField(max_length=16, default='OTHER')
        media_type = CharField(max_length=8, default='')
        tmdb_id = IntegerField(null=True)
        tvdb_id = IntegerField(null=True)
        title = CharField(max_length=300, default='')
        season = IntegerField(null=True)
        episode = IntegerField(null=True)
        message = TextField(default='')
        reporter_email = CharField(max_length=254, default='')
        reporter_name = CharField(max_length=150, default='')
        state = CharField(index=True, max_length=16, default='open')
        seerr_status = CharField(max_length=16, default='OPEN')
        affected = JSONField(null=True)
        comments = IntegerField(default=0)
        last_comment = TextField(default='')
        escalated_at = UTCDateTimeField(null=True)
        fixed_at = UTCDateTimeField(null=True)
        resolved_at = UTCDateTimeField(null=True)
        error = CharField(max_length=500, default='')
        created_at = UTCDateTimeField(index=True)
        updated_at = UTCDateTimeField()
        class Meta:
            database = db
            table_name = 'issue_fix'
    db.create_tables([IssueFix])

    class MaintenanceWindow(Model):
        starts_at = UTCDateTimeField(index=True)
        ends_at = UTCDateTimeField(index=True)
        message = TextField(default='')
        status = CharField(index=True, max_length=16, default='scheduled')
        announced_at = UTCDateTimeField(null=True)
        reminded_at = UTCDateTimeField(null=True)
        started_at = UTCDateTimeField(null=True)
        completed_at = UTCDateTimeField(null=True)
        cancelled_at = UTCDateTimeField(null=True)
        created_by = CharField(max_length=150, default='')
        created_at = UTCDateTimeField()
        class Meta:
            database = db
            table_name = 'maintenance_window'
    db.create_tables([MaintenanceWindow])

    class MonitorRun(Model):
        monitor = CharField(index=True, max_length=32)
        trigger = CharField(max_length=16, default='schedule')
        started_at = UTCDateTimeField(index=True)
        finished_at = UTCDateTimeField(null=True)
        status = CharField(max_length=16, default='running')
        found = IntegerField(default=0)
        acted = IntegerField(default=0)
        summary = CharField(max_length=500, default='')
        lines = JSONField(null=True)
        errors = JSONField(null=True)
        class Meta:
            database = db
            table_name = 'monitor_run'
    db.create_tables([MonitorRun])

    class MonitorState(Model):
        name = CharField(unique=True, max_length=32)
        running_since = UTCDateTimeField(null=True)
        last_started_at = UTCDateTimeField(null=True)
        last_finished_at = UTCDateTimeField(null=True)
        last_status = CharField(max_length=16, default='')
        last_summary = CharField(max_length=500, default='')
        class Meta:
            database = db
            table_name = 'monitor_state'
    db.create_tables([MonitorState])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('monitor_state'))
    migrator.migrate(migrator.drop_table('monitor_run'))
    migrator.migrate(migrator.drop_table('maintenance_window'))
    migrator.migrate(migrator.drop_table('issue_fix'))
    migrator.migrate(migrator.drop_table('health_action'))
    migrator.migrate(migrator.drop_table('download_watch'))
    migrator.migrate(migrator.drop_table('calendar_feed'))
