from peewee import CharField, ForeignKeyField, TextField

from plexportal.auth.models import User
from plexportal.db import BaseModel, UTCDateTimeField
from plexportal.lib import clock


class AuditEntry(BaseModel):
    """Who changed what: settings, invites, access, manual runs."""
    at = UTCDateTimeField(default=clock.now, index=True)
    actor = ForeignKeyField(User, null=True, on_delete="SET NULL")
    actor_label = CharField(max_length=150, default="system")
    action = CharField(max_length=64, index=True)
    message = TextField(default="")
