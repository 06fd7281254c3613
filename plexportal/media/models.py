"""Media: webhooks as received, the requests people made, who follows them, what arrived, what was announced."""
from peewee import BooleanField, CharField, ForeignKeyField, IntegerField, TextField

from plexportal.auth.models import User
from plexportal.db import BaseModel, JSONField, UTCDateTimeField
from plexportal.lib import clock

SOURCES = ("sonarr", "radarr", "seerr")
# received → processed | ignored | unmatched | failed; invalid: body was not a JSON object.
EVENT_STATUSES = ("received", "processed", "ignored", "unmatched", "failed", "invalid")
REQUEST_STATUSES = ("pending", "approved", "declined", "failed", "available")
# Arrival/Announcement episode number for "the whole season": Seerr saw the season in the library
# and nothing reported it episode by episode (docs/media.md, "When Seerr says it is available").
# Never a real episode number (those are 0 and up), so it cannot collide with a Sonarr import.
WHOLE_SEASON = -1


class WebhookEvent(BaseModel):
    """One webhook exactly as it arrived (persist, then acknowledge: DESIGN law 2)."""
    source = CharField(max_length=16, index=True)
    dedup_key = CharField(max_length=64, unique=True)            # sha256 of source + raw body
    body = TextField(default="")
    event_type = CharField(max_length=64, default="", index=True)
    status = CharField(max_length=16, default="received", index=True)
    outcome = CharField(max_length=500, default="")             # what processing did, in words
    attempts = IntegerField(default=0)
    received_at = UTCDateTimeField(default=clock.now, index=True)
    processed_at = UTCDateTimeField(null=True)


class MediaRequest(BaseModel):
    """A title someone asked for, usually mirrored from Seerr."""
    seerr_request_id = IntegerField(null=True, unique=True)
    media_type = CharField(max_length=8)                         # tv | movie
    tmdb_id = IntegerField(null=True, index=True)
    tvdb_id = IntegerField(null=True, index=True)
    imdb_id = CharField(max_length=32, null=True, index=True)
    title = CharField(max_length=300, default="")
    year = IntegerField(null=True)
    poster_url = CharField(max_length=500, default="")
    overview = TextField(default="")
    seasons = JSONField(null=True)                               # requested season numbers, [] = all / n/a
    is_4k = BooleanField(default=False)
    status = CharField(max_length=16, default="pending", index=True)
    requested_by = ForeignKeyField(User, null=True, backref="media_requests", on_delete="SET NULL")
    origin = CharField(max_length=16, default="webhook")         # webhook | sync | on_behalf
    created_at = UTCDateTimeField(default=clock.now, index=True)
    updated_at = UTCDateTimeField(default=clock.now)
    # When announce() last went through every arrival of this request for every follower (null:
    # never). Until it has, and again after the request changes (updated_at), an import's
    # announcement goes through everything; afterwards only through what the import brought.
    full_pass_at = UTCDateTimeField(null=True)

    class Meta:
        # A person's last request, one step into this index (the People page sorts by it).
        indexes = ((("requested_by", "created_at"), False),)


class Follower(BaseModel):
    """Someone who hears when a request's media is ready (the requester is one too)."""
    request = ForeignKeyField(MediaRequest, backref="followers", on_delete="CASCADE")
    user = ForeignKeyField(User, backref="following", on_delete="CASCADE")
    role = CharField(max_length=16, default="follower")          # requester | follower
    created_at = UTCDateTimeField(default=clock.now)

    class Meta:
        indexes = ((("request", "user"), True),)


class Arrival(BaseModel):
    """An episode or film that Sonarr/Radarr imported (or Seerr reported available), keyed by ids
    (one row per item, ever). Episode WHOLE_SEASON: the whole season, from Seerr."""
    media_type = CharField(max_length=8)
    media_key = CharField(max_length=64, index=True)             # "tvdb:371234", "tmdb:550123"…
    season = IntegerField(default=0)
    episode = IntegerField(default=0)                            # 0/0 for a film, WHOLE_SEASON
    title = CharField(max_length=300, default="")
    series_title = CharField(max_length=300, default="")
    tmdb_id = IntegerField(null=True)
    tvdb_id = IntegerField(null=True)
    imdb_id = CharField(max_length=32, null=True)
    request = ForeignKeyField(MediaRequest, null=True, backref="arrivals", on_delete="SET NULL")
    event = ForeignKeyField(WebhookEvent, null=True, on_delete="SET NULL")
    arrived_at = UTCDateTimeField(default=clock.now, index=True)

    class Meta:
        # The id indexes serve arrivals_for(): a request's items by the id it matches on, and one
        # import's items by (id, season, episode), without reading the rest of the show.
        indexes = ((("media_key", "season", "episode"), True),
                   (("tvdb_id", "season", "episode"), False),
                   (("tmdb_id", "season", "episode"), False),
                   (("imdb_id",), False))


class Announcement(BaseModel):
    """What was handed to the outbox for whom: one row per user and item, so nothing is said twice."""
    request = ForeignKeyField(MediaRequest, backref="announcements", on_delete="CASCADE")
    user = ForeignKeyField(User, backref="announcements", on_delete="CASCADE")
    season = IntegerField(default=0)
    episode = IntegerField(default=0)
    at = UTCDateTimeField(default=clock.now, index=True)

    class Meta:
        indexes = ((("request", "user", "season", "episode"), True),)


class SyncRun(BaseModel):
    """A Seerr sync, with progress the page polls."""
    status = CharField(max_length=16, default="running")         # running | done | failed
    total = IntegerField(default=0)
    done = IntegerField(default=0)
    message = CharField(max_length=500, default="")
    started_at = UTCDateTimeField(default=clock.now)
    finished_at = UTCDateTimeField(null=True)


class CalendarFeed(BaseModel):
    """A user's secret iCal address; a new token kills the old URL."""
    user = ForeignKeyField(User, backref="calendar_feeds", on_delete="CASCADE", unique=True)
    token = CharField(max_length=64, unique=True)
    created_at = UTCDateTimeField(default=clock.now)
    last_fetched_at = UTCDateTimeField(null=True)
    enabled = BooleanField(default=True)


class CalendarEntry(BaseModel):
    """An upcoming episode or film release for a requested title, copied from the *arr calendars
    by the worker so pages and iCal feeds never wait on Sonarr/Radarr."""
    key = CharField(max_length=100, unique=True)               # sonarr:episode:1001, radarr:77:digital
    media_type = CharField(max_length=8)                       # tv | movie
    tvdb_id = IntegerField(null=True, index=True)
    tmdb_id = IntegerField(null=True, index=True)
    title = CharField(max_length=300, default="")               # the series or film
    detail = CharField(max_length=300, default="")              # "S02E03 · The Third One", "digital release"
    starts_at = UTCDateTimeField(index=True)
    all_day = BooleanField(default=False)
    minutes = IntegerField(default=0)
    refreshed_at = UTCDateTimeField(default=clock.now)


class DecisionLink(BaseModel):
    """An Approve or Decline link sent to the admins for a pending request (media/decisions.py).
    The signed token names this row and its nonce; the row makes it single-use and lets it expire."""
    request = ForeignKeyField(MediaRequest, backref="decision_links", on_delete="CASCADE")
    action = CharField(max_length=8)                             # approve | decline
    nonce = CharField(max_length=64, unique=True)
    created_at = UTCDateTimeField(default=clock.now)
    expires_at = UTCDateTimeField()
    used_at = UTCDateTimeField(null=True)


class RequestDecision(BaseModel):
    """An admin's Approve or Decline, kept until Seerr has it: queued → done | gone | failed.
    A queued decision Seerr did not take (down, slow) is retried at next_try_at."""
    request = ForeignKeyField(MediaRequest, backref="decisions", on_delete="CASCADE")
    action = CharField(max_length=8)                             # approve | decline
    status = CharField(max_length=8, default="queued", index=True)
    reason = TextField(default="")                               # a decline's reason, told to the requester
    by_label = CharField(max_length=150, default="")             # who: an admin's name, or "an emailed link"
    via = CharField(max_length=8, default="page")                # page | link
    link = ForeignKeyField(DecisionLink, null=True, backref="decisions", on_delete="SET NULL")
    attempts = IntegerField(default=0)
    next_try_at = UTCDateTimeField(default=clock.now, index=True)
    last_error = CharField(max_length=500, default="")
    created_at = UTCDateTimeField(default=clock.now)
    done_at = UTCDateTimeField(null=True)
