from peewee import CharField, TextField

from plexportal.db import BaseModel, UTCDateTimeField
from plexportal.lib import clock


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
