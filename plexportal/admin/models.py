from peewee import BooleanField, CharField, ForeignKeyField, TextField

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
    ip = CharField(max_length=64, default="")             # the client address ("" outside a request: CLI, worker)
    via_bypass = BooleanField(default=False)              # done through the local-network bypass, not a sign-in
