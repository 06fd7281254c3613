from peewee import BooleanField, CharField, TextField

from plexportal.db import BaseModel, UTCDateTimeField
from plexportal.lib import clock


class Setting(BaseModel):
    key = CharField(primary_key=True, max_length=64)
    value = TextField(default="")              # secrets: a Fernet token
    # A secret's addresses when it was saved (registry.address_of per bound_to key, one a line).
    bound_to = TextField(null=True)
    updated_at = UTCDateTimeField(default=clock.now)


class ServiceCheck(BaseModel):
    """The last Test-connection result per service, shown in the status API and on the dashboard."""
    service = CharField(primary_key=True, max_length=32)
    ok = BooleanField(default=False)
    message = CharField(max_length=300, default="")
    checked_at = UTCDateTimeField(default=clock.now)
