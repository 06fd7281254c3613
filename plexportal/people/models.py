"""The keys that identify a person, and what happened to their record (merges)."""
from peewee import CharField, ForeignKeyField, TextField

from plexportal.auth.models import User
from plexportal.db import BaseModel, JSONField, UTCDateTimeField
from plexportal.lib import clock

# Strongest first: an account id at Plex, Seerr or Jellyfin proves who someone is; an email or a
# Plex username only points at them (a family may share one email).
STRONG = ("plex", "seerr", "jellyfin")
WEAK = ("email", "name")


class IdentityKey(BaseModel):
    """One way of recognising a person: "plex:123", "seerr:7", "jellyfin:ab12…", "email:a@b.c",
    "name:bob". Unique, so two first sightings of the same human at the same moment cannot both
    create a row: the second insert fails and that sighting finds the first one's row instead.
    Ids of a row merged into another stay here, pointing at the survivor."""
    key = CharField(max_length=300, unique=True)
    kind = CharField(max_length=16)
    user = ForeignKeyField(User, backref="identity_keys", on_delete="CASCADE")
    source = CharField(max_length=16, default="")      # the door that first showed it
    created_at = UTCDateTimeField(default=clock.now)


class PersonEvent(BaseModel):
    """A line of a person's timeline that no other table records: merges and links."""
    user = ForeignKeyField(User, backref="person_events", on_delete="CASCADE")
    at = UTCDateTimeField(default=clock.now, index=True)
    kind = CharField(max_length=32)                     # merged | linked
    message = TextField(default="")
    data = JSONField(default=dict)
