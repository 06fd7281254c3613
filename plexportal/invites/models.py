"""Invites: links (Invite), tiers (Preset), who used them (Redemption), the people with access
(Access), CSV batches (Batch) and the cached library list and plex.tv connection state."""
from peewee import BooleanField, CharField, ForeignKeyField, IntegerField, TextField

from plexportal.auth.models import User
from plexportal.db import BaseModel, JSONField, UTCDateTimeField
from plexportal.lib import clock


class Preset(BaseModel):
    """A reusable tier ("Family", "Friends: films only") that fills in an invite's terms."""
    name = CharField(max_length=80, unique=True)
    libraries = JSONField(default=list)            # plex.tv global section ids
    allow_sync = BooleanField(default=False)
    allow_channels = BooleanField(default=False)
    allow_camera_upload = BooleanField(default=False)
    filter_ratings = CharField(max_length=200, default="")   # comma list, e.g. "G,PG"
    filter_labels = CharField(max_length=200, default="")
    home = BooleanField(default=False)
    access_days = IntegerField(null=True)
    created_at = UTCDateTimeField(default=clock.now)


class Invite(BaseModel):
    code = CharField(max_length=32, unique=True)   # stored upper case; looked up upper case
    label = CharField(max_length=120, default="")
    note = TextField(default="")
    expires_at = UTCDateTimeField(null=True, index=True)
    max_uses = IntegerField(null=True)             # None: unlimited
    use_count = IntegerField(default=0)
    enabled = BooleanField(default=True)
    libraries = JSONField(default=list)
    allow_sync = BooleanField(default=False)
    allow_channels = BooleanField(default=False)
    allow_camera_upload = BooleanField(default=False)
    filter_ratings = CharField(max_length=200, default="")
    filter_labels = CharField(max_length=200, default="")
    home = BooleanField(default=False)
    access_days = IntegerField(null=True)
    requires_approval = BooleanField(default=False)
    preset = ForeignKeyField(Preset, null=True, backref="invites", on_delete="SET NULL")
    created_by = ForeignKeyField(User, null=True, backref="invites_created", on_delete="SET NULL")
    created_at = UTCDateTimeField(default=clock.now)
    updated_at = UTCDateTimeField(default=clock.now)


class Batch(BaseModel):
    """A CSV upload: previewed rows, then sent as one Redemption per row."""
    filename = CharField(max_length=200, default="")
    rows = JSONField(default=list)                 # [{"line", "email", "preset", "label", "error"}]
    status = CharField(max_length=16, default="preview")   # preview | sent
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = UTCDateTimeField(default=clock.now)
    sent_at = UTCDateTimeField(null=True)


# awaiting_approval → claimed → invited → accepted → active; failed (reason kept) or declined.
STATES = ("awaiting_approval", "claimed", "invited", "accepted", "active", "failed", "declined")


class Redemption(BaseModel):
    invite = ForeignKeyField(Invite, null=True, backref="redemptions", on_delete="SET NULL")
    batch = ForeignKeyField(Batch, null=True, backref="redemptions", on_delete="SET NULL")
    account_key = CharField(max_length=200)        # "plex:<id>" or "name:<lowercased identifier>"
    identifier = CharField(max_length=254)         # what plex.tv is asked to share with
    via = CharField(max_length=16, default="form")  # plex | form | batch | request
    plex_user_id = IntegerField(null=True, index=True)
    plex_username = CharField(max_length=150, default="")
    email = CharField(max_length=254, default="")
    user_token = TextField(default="")             # encrypted; only until the share is accepted
    terms = JSONField(default=dict)                # the invite's terms when the use was claimed
    state = CharField(max_length=20, default="claimed", index=True)
    attempts = IntegerField(default=0)
    next_retry_at = UTCDateTimeField(null=True, index=True)
    # Held by the worker provisioning it (renewed while it lives; see lib/lease.py), so the retry
    # task and the minute sweep never work on the same redemption at once, and a killed worker's
    # redemption is picked up again as soon as its lease runs out.
    leased_by = CharField(max_length=64, default="")
    lease_until = UTCDateTimeField(null=True)
    error = CharField(max_length=500, default="")  # admin detail; never shown publicly
    public_reason = CharField(max_length=20, default="")   # "" | unverified | generic
    user = ForeignKeyField(User, null=True, backref="redemptions", on_delete="SET NULL")
    decided_by = CharField(max_length=150, default="")
    created_at = UTCDateTimeField(default=clock.now, index=True)
    updated_at = UTCDateTimeField(default=clock.now)

    class Meta:
        indexes = ((("invite", "account_key"), True),)
        encrypted = ("user_token",)             # re-encrypted by `settings rotate-secrets`


class Access(BaseModel):
    """One person with (or who had) a share of the server, synced from plex.tv."""
    plex_user_id = IntegerField(unique=True)
    username = CharField(max_length=150, default="")
    email = CharField(max_length=254, default="")
    title = CharField(max_length=150, default="")
    thumb = CharField(max_length=500, default="")
    share_id = IntegerField(null=True)
    pending = BooleanField(default=True)
    libraries = JSONField(default=list)
    allow_sync = BooleanField(default=False)
    allow_channels = BooleanField(default=False)
    allow_camera_upload = BooleanField(default=False)
    filter_ratings = CharField(max_length=200, default="")
    filter_labels = CharField(max_length=200, default="")
    home = BooleanField(default=False)
    status = CharField(max_length=16, default="active", index=True)   # active | suspended | removed | expired
    on_plex = BooleanField(default=True)           # seen in the last sync
    last_seen_at = UTCDateTimeField(null=True)
    synced_at = UTCDateTimeField(null=True)
    expires_at = UTCDateTimeField(null=True, index=True)
    reminded_at = UTCDateTimeField(null=True)
    user = ForeignKeyField(User, null=True, backref="plex_access", on_delete="SET NULL")
    redemption = ForeignKeyField(Redemption, null=True, on_delete="SET NULL")
    invited_by = CharField(max_length=150, default="")
    joined_at = UTCDateTimeField(default=clock.now)
    changed_at = UTCDateTimeField(default=clock.now)


class PlexLibrary(BaseModel):
    """The server's libraries as plex.tv knows them (global id + local key), refreshed on demand."""
    section_id = IntegerField(unique=True)
    key = CharField(max_length=32)
    title = CharField(max_length=200)
    type = CharField(max_length=16, default="")
    refreshed_at = UTCDateTimeField(default=clock.now)


class PlexState(BaseModel):
    """One row: the server's machine identifier and whether the owner's token still works."""
    machine_identifier = CharField(max_length=100, default="")
    server_name = CharField(max_length=200, default="")
    token_ok = BooleanField(null=True)
    message = CharField(max_length=300, default="")
    checked_at = UTCDateTimeField(null=True)


class AccessChange(BaseModel):
    """One change to someone's Plex access, kept as it happened (a person's timeline shows them all):
    granted, libraries or downloads changed, an end date set or changed, suspended, removed,
    restored, ended, moved by a merge. Written in the same transaction as the change itself.
    Libraries are kept by title as they were then (a library renamed or deleted later stays
    readable); times in `data` are ISO 8601 UTC and shown in the configured zone when read."""
    access = ForeignKeyField(Access, null=True, backref="changes", on_delete="SET NULL")
    user = ForeignKeyField(User, null=True, backref="access_changes", on_delete="SET NULL")
    plex_user_id = IntegerField(null=True, index=True)
    who = CharField(max_length=150, default="")        # the Plex account as it was called then
    at = UTCDateTimeField(default=clock.now, index=True)
    kind = CharField(max_length=16)   # granted | libraries | downloads | expiry | suspended | removed | restored | expired | moved
    door = CharField(max_length=16)   # admin | invite | expiry | sync | merge | upgrade
    actor_label = CharField(max_length=150, default="")
    data = JSONField(default=dict)
