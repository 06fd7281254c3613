from peewee import BooleanField, CharField, ForeignKeyField, IntegerField, TextField

from plexportal.auth.models import User
from plexportal.db import BaseModel, JSONField, UTCDateTimeField
from plexportal.lib import clock

# collecting: a batch still gathering items (send_after moves); pending: due at send_after;
# sending: claimed by a sender; sent / failed / cancelled: final.
STATUSES = ("collecting", "pending", "sending", "sent", "failed", "cancelled")


class Notification(BaseModel):
    """One message to one destination (the outbox row, DESIGN law 3)."""
    kind = CharField(max_length=64, index=True)             # e.g. media.ready, admin.alert, invites.welcome
    audience = CharField(max_length=16, default="user")     # user | admin
    user = ForeignKeyField(User, null=True, backref="notifications", on_delete="SET NULL")
    channel = CharField(max_length=16, default="email")     # email | apprise
    destination = CharField(max_length=500, default="")     # email address, or a channel id for apprise
    subject = CharField(max_length=300, default="")
    text_body = TextField(default="")
    html_body = TextField(default="")
    payload = JSONField(null=True)                          # what renderers/gates need (ids, episodes…)
    dedup_key = CharField(max_length=200, null=True, unique=True)
    group_key = CharField(max_length=200, null=True, index=True)   # batching: same key → same message
    # Set only while the batch is open (collecting); unique, so two workers can never open two
    # batches for the same user, group and destination. Cleared when the batch is sealed.
    batch_key = CharField(max_length=200, null=True, unique=True)
    batch_version = IntegerField(default=0)                 # optimistic lock for adding items
    status = CharField(max_length=16, default="pending", index=True)
    send_after = UTCDateTimeField(default=clock.now, index=True)
    first_item_at = UTCDateTimeField(null=True)
    attempts = IntegerField(default=0)
    last_error = CharField(max_length=500, default="")
    flagged = CharField(max_length=300, default="")         # why an admin should look (sent unverified…)
    claimed_at = UTCDateTimeField(null=True)
    # A claim is a lease: the sender that holds it renews lease_until while it lives (send.py), so
    # a killed sender's rows come back as soon as the lease runs out, and a slow one keeps its own.
    claimed_by = CharField(max_length=64, default="")
    lease_until = UTCDateTimeField(null=True, index=True)
    give_up_at = UTCDateTimeField(null=True)                # set by the first temporary failure
    uncertain_at = UTCDateTimeField(null=True)              # no reply after the message was handed over
    sent_at = UTCDateTimeField(null=True)
    created_at = UTCDateTimeField(default=clock.now, index=True)

    class Meta:
        # "Sent today" on the dashboard reads today's rows of this index, not every message ever sent.
        indexes = ((("status", "sent_at"), False),
                   # A person's sent messages counted in this index alone (the people API's count).
                   (("user", "status"), False))


class Delivery(BaseModel):
    """Every attempt to send a notification, with its outcome."""
    notification = ForeignKeyField(Notification, backref="deliveries", on_delete="CASCADE")
    at = UTCDateTimeField(default=clock.now)
    ok = BooleanField(default=False)
    error = CharField(max_length=500, default="")


class Channel(BaseModel):
    """An Apprise destination (Discord, Telegram, ntfy…) owned by a user; admin channels also get
    admin alerts. The URL holds tokens, so it is stored encrypted and only ever shown masked."""
    user = ForeignKeyField(User, backref="channels", on_delete="CASCADE")
    label = CharField(max_length=100, default="")
    service = CharField(max_length=32, default="")           # discord, tgram, ntfy… (for display)
    url_encrypted = TextField()
    url_hint = CharField(max_length=120, default="")         # masked form for pages
    events = JSONField(null=True)                           # {event key: bool} overrides of the defaults
    admin_alerts = BooleanField(default=False)
    enabled = BooleanField(default=True)
    created_at = UTCDateTimeField(default=clock.now)

    class Meta:
        encrypted = ("url_encrypted",)          # re-encrypted by `settings rotate-secrets`


class NotifyPrefs(BaseModel):
    """A user's email choices: which events, or nothing at all (unsubscribed)."""
    user = ForeignKeyField(User, backref="notify_prefs", unique=True, on_delete="CASCADE")
    email_enabled = BooleanField(default=True)
    email_events = JSONField(null=True)                     # {event key: bool} overrides of the defaults
    unsubscribed_at = UTCDateTimeField(null=True)
    updated_at = UTCDateTimeField(default=clock.now)


class Transport(BaseModel):
    """The health of a way out (the SMTP server). While it is down, sending pauses: one probe at
    `next_probe_at` (backing off), and no message spends an attempt on it."""
    name = CharField(max_length=32, unique=True)             # "email"
    down_since = UTCDateTimeField(null=True)
    failures = IntegerField(default=0)
    next_probe_at = UTCDateTimeField(null=True)
    last_error = CharField(max_length=500, default="")
    checked_at = UTCDateTimeField(null=True)


class Told(BaseModel):
    """A message that must reach a person once per thing that happened (`notify_user(once=…)`):
    a Seerr webhook delivered twice, or processed again, finds its row and sends nothing new.
    Written in the same transaction as the message it stands for."""
    user = ForeignKeyField(User, backref="told", on_delete="CASCADE")
    key = CharField(max_length=200)
    kind = CharField(max_length=64, default="")
    at = UTCDateTimeField(default=clock.now)

    class Meta:
        indexes = ((("user", "key"), True),)


class PushSubscription(BaseModel):
    """One browser's Web Push subscription (a phone or a computer). The browser gave the endpoint
    (the push service's address the server POSTs to) and the keys the message is encrypted for.
    A person's subscription gets the kinds they switched on for push (`events`, copied to each of
    their devices); one made from an admin's session gets the admin alerts instead."""
    user = ForeignKeyField(User, backref="push_subscriptions", on_delete="CASCADE")
    admin_alerts = BooleanField(default=False)
    endpoint = CharField(max_length=1000, unique=True)
    p256dh = CharField(max_length=200)
    auth = CharField(max_length=100)
    device = CharField(max_length=100, default="")          # "Chrome on Android", for the page
    events = JSONField(null=True)                           # {event key: bool} overrides of the defaults
    created_at = UTCDateTimeField(default=clock.now)
    last_success_at = UTCDateTimeField(null=True)
    failures = IntegerField(default=0)                      # failed attempts since the last success
    last_error = CharField(max_length=500, default="")
