from flask_login import UserMixin
from peewee import BooleanField, CharField, ForeignKeyField, IntegerField

from plexportal.db import BaseModel, UTCDateTimeField
from plexportal.lib import clock

ROLES = ("admin", "user")


class User(BaseModel, UserMixin):
    """Everyone plexportal knows: admins (who sign in with a password) and the people they serve
    (who arrive through signed links, Seerr or an invite)."""
    username = CharField(max_length=150, unique=True)
    email = CharField(max_length=254, null=True, index=True)
    display_name = CharField(max_length=150, default="")
    role = CharField(max_length=16, default="user")
    password_hash = CharField(max_length=255, null=True)
    # Bumped to invalidate every signed link and session handed out before (password change, "sign out everywhere").
    session_version = IntegerField(default=1)
    is_active = BooleanField(default=True)
    seerr_user_id = IntegerField(null=True, unique=True)
    plex_user_id = IntegerField(null=True, unique=True)
    plex_username = CharField(max_length=150, null=True)
    avatar_url = CharField(max_length=500, null=True)
    created_at = UTCDateTimeField(default=clock.now)
    last_login_at = UTCDateTimeField(null=True)

    session_id = None   # set for the request by the session loader; flask-login stores it, not the user id

    def get_id(self):
        return self.session_id

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def name(self) -> str:
        return self.display_name or self.plex_username or self.username


class UserSession(BaseModel):
    """A signed-in browser. The cookie carries only this random id, so deleting the row ends the
    session for real (logout, password change), not just in that browser."""
    id = CharField(primary_key=True, max_length=64)
    user = ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    created_at = UTCDateTimeField(default=clock.now)
    last_seen_at = UTCDateTimeField(default=clock.now)
    ip = CharField(max_length=64, default="")
    user_agent = CharField(max_length=300, default="")
