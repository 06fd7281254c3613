"""Media health: the monitors' state, runs and action ledger, what they track, maintenance windows."""
from peewee import BigIntegerField, CharField, IntegerField, TextField

from plexportal.db import BaseModel, JSONField, UTCDateTimeField
from plexportal.lib import clock


class MonitorState(BaseModel):
    """One row per monitor: when it last ran, and a claim so two workers never run it at once."""
    name = CharField(max_length=32, unique=True)
    running_since = UTCDateTimeField(null=True)
    last_started_at = UTCDateTimeField(null=True)
    last_finished_at = UTCDateTimeField(null=True)
    last_status = CharField(max_length=16, default="")
    last_summary = CharField(max_length=500, default="")
    first_seen_at = UTCDateTimeField(null=True)                # the first run is one interval after this


class MonitorRun(BaseModel):
    """One run of one monitor and its outcome, shown on the monitor's page."""
    monitor = CharField(max_length=32, index=True)
    trigger = CharField(max_length=16, default="schedule")      # schedule | manual | cli | webhook
    started_at = UTCDateTimeField(default=clock.now, index=True)
    finished_at = UTCDateTimeField(null=True)
    status = CharField(max_length=16, default="running")        # running | ok | error
    found = IntegerField(default=0)
    acted = IntegerField(default=0)
    summary = CharField(max_length=500, default="")
    lines = JSONField(null=True)                                # what was found and done, one line each
    errors = JSONField(null=True)                               # upstream errors (retried next run)


class HealthAction(BaseModel):
    """The ledger that makes every monitor act once: one row per thing acted on (a download fixed,
    an alert raised, a message queued). `key` is unique; a failed action is retried next run."""
    key = CharField(max_length=200, unique=True)
    monitor = CharField(max_length=32, index=True)
    kind = CharField(max_length=32)                             # fix | alert | search | refresh | message | …
    status = CharField(max_length=16, default="working")       # working | done | failed
    subject = CharField(max_length=300, default="")
    details = JSONField(null=True)
    error = CharField(max_length=500, default="")
    created_at = UTCDateTimeField(default=clock.now, index=True)
    updated_at = UTCDateTimeField(default=clock.now)


class DownloadWatch(BaseModel):
    """A download seen in a Sonarr/Radarr queue, tracked across runs to spot no progress."""
    service = CharField(max_length=8)                          # sonarr | radarr
    download_id = CharField(max_length=200)
    title = CharField(max_length=500, default="")
    sizeleft = BigIntegerField(default=0)
    first_seen_at = UTCDateTimeField(default=clock.now)
    last_seen_at = UTCDateTimeField(default=clock.now)
    progress_at = UTCDateTimeField(default=clock.now)          # last time sizeleft went down
    problem = CharField(max_length=300, default="")
    alerted_at = UTCDateTimeField(null=True)
    alerts = IntegerField(default=0)                           # one more each time it gets stuck again

    class Meta:
        indexes = ((("service", "download_id"), True),)


class IssueFix(BaseModel):
    """A problem a user reported in Seerr, and what was done about it."""
    seerr_issue_id = IntegerField(unique=True)
    issue_type = CharField(max_length=16, default="OTHER")      # VIDEO | AUDIO | SUBTITLES | OTHER
    media_type = CharField(max_length=8, default="")           # movie | tv
    tmdb_id = IntegerField(null=True)
    tvdb_id = IntegerField(null=True)
    title = CharField(max_length=300, default="")
    season = IntegerField(null=True)
    episode = IntegerField(null=True)
    message = TextField(default="")
    reporter_email = CharField(max_length=254, default="")
    reporter_name = CharField(max_length=150, default="")
    # open → review (manual mode) → fixing (file deleted, search sent) → resolved; or closed/escalated
    state = CharField(max_length=16, default="open", index=True)
    seerr_status = CharField(max_length=16, default="OPEN")    # OPEN | RESOLVED, as Seerr last said
    affected = JSONField(null=True)                            # {"service", "episode_ids"/"movie_id", "file_ids"}
    comments = IntegerField(default=0)
    last_comment = TextField(default="")
    escalated_at = UTCDateTimeField(null=True)
    fixed_at = UTCDateTimeField(null=True)
    resolved_at = UTCDateTimeField(null=True)
    error = CharField(max_length=500, default="")
    created_at = UTCDateTimeField(default=clock.now, index=True)
    updated_at = UTCDateTimeField(default=clock.now)


class MaintenanceWindow(BaseModel):
    starts_at = UTCDateTimeField(index=True)
    ends_at = UTCDateTimeField(index=True)
    message = TextField(default="")
    # scheduled → active → completed; or cancelled. The worker moves it along by the clock.
    status = CharField(max_length=16, default="scheduled", index=True)
    announced_at = UTCDateTimeField(null=True)
    reminded_at = UTCDateTimeField(null=True)
    started_at = UTCDateTimeField(null=True)
    completed_at = UTCDateTimeField(null=True)
    cancelled_at = UTCDateTimeField(null=True)
    created_by = CharField(max_length=150, default="")
    created_at = UTCDateTimeField(default=clock.now)
