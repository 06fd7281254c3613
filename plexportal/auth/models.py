from flask_login import UserMixin
from peewee import BigIntegerField, BooleanField, CharField, ForeignKeyField, IntegerField, TextField

from plexportal.db import BaseModel, JSONField, UTCDateTimeField
from plexportal.lib import clock

ROLES = ("admin", "user")


class User(BaseModel, UserMixin):
    """Everyone plexportal knows: admins (who sign in with a password) and the people they serve
    (who arrive through signed links, Seerr or an invite). One row per human: rows are found or
    created only by `people.identity.find_or_create` (DESIGN law 12). Credentials (passwords,
    authenticator apps, passkeys, sessions) live in the tables below (the password on AdminAccount)
    and link to this row."""
    username = CharField(max_length=150, unique=True)
    email = CharField(max_length=254, null=True, index=True)
    display_name = CharField(max_length=150, default="")
    role = CharField(max_length=16, default="user")
    # Bumped to invalidate every signed link and session handed out before (password change, "sign out everywhere").
    session_version = IntegerField(default=1)
    is_active = BooleanField(default=True)
    seerr_user_id = IntegerField(null=True, unique=True)
    plex_user_id = IntegerField(null=True, unique=True)
    jellyfin_user_id = CharField(max_length=64, null=True, unique=True)
    plex_username = CharField(max_length=150, null=True)
    avatar_url = CharField(max_length=500, null=True)
    language = CharField(max_length=8, default="")       # chosen on their page; empty: browser/server default
    created_at = UTCDateTimeField(default=clock.now)
    last_login_at = UTCDateTimeField(null=True)

    session_id: str | None = None   # set for the request by the session loader; flask-login stores it, not the user id

    def get_id(self):
        return self.session_id

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def name(self) -> str:
        return self.display_name or self.plex_username or self.username

    @property
    def has_password(self) -> bool:
        """Whether this person signs in with a password (kept on their AdminAccount, not here)."""
        return AdminAccount.select().where((AdminAccount.user == self.id)
                                           & AdminAccount.password_hash.is_null(False)).exists()


class AdminAccount(BaseModel):
    """An admin's sign-in, apart from the person record and linked to it (one per person): the
    password hash. Authenticator apps, recovery codes, passkeys and single sign-on identities are
    tables of their own linked to the same person. A merge keeps it with the person kept."""
    user = ForeignKeyField(User, unique=True, backref="admin_accounts", on_delete="CASCADE")
    password_hash = CharField(max_length=255, null=True)
    created_at = UTCDateTimeField(default=clock.now)
    password_changed_at = UTCDateTimeField(null=True)


class UserSession(BaseModel):
    """A signed-in browser. The cookie carries only this random id, so deleting the row ends the
    session for real (logout, password change), not just in that browser."""
    id = CharField(primary_key=True, max_length=64)
    user = ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    created_at = UTCDateTimeField(default=clock.now)
    last_seen_at = UTCDateTimeField(default=clock.now)
    ip = CharField(max_length=64, default="")
    user_agent = CharField(max_length=300, default="")
    # How this browser signed in: password, password+totp, passkey, plex, oidc, header… (auth/signin.py)
    method = CharField(max_length=32, default="password")


class TotpFactor(BaseModel):
    """An authenticator app (RFC 6238). Unconfirmed while enrolling; only a confirmed one is asked for."""
    user = ForeignKeyField(User, unique=True, backref="totp_factors", on_delete="CASCADE")
    secret = TextField()                       # encrypted with the secret key (security.SecretBox)
    confirmed_at = UTCDateTimeField(null=True)
    # The highest 30-second time step a code was accepted for: a code is never accepted twice.
    last_step = BigIntegerField(default=0)
    created_at = UTCDateTimeField(default=clock.now)
    last_used_at = UTCDateTimeField(null=True)

    class Meta:
        encrypted = ("secret",)                 # re-encrypted by `settings rotate-secrets`


class RecoveryCode(BaseModel):
    """Single-use codes for when the authenticator app is lost; only their SHA-256 is kept."""
    user = ForeignKeyField(User, backref="recovery_codes", on_delete="CASCADE")
    code_hash = CharField(max_length=64, unique=True)
    used_at = UTCDateTimeField(null=True)
    created_at = UTCDateTimeField(default=clock.now)


class Passkey(BaseModel):
    """A WebAuthn credential (passkey or security key) registered by an admin."""
    user = ForeignKeyField(User, backref="passkeys", on_delete="CASCADE")
    credential_id = CharField(max_length=1400, unique=True)      # base64url
    public_key = TextField()                                 # COSE key, base64url
    sign_count = BigIntegerField(default=0)
    user_handle = CharField(max_length=128)                 # base64url; the same for all of a user's passkeys
    name = CharField(max_length=80, default="Passkey")
    transports = JSONField(default=list)
    backed_up = BooleanField(default=False)                 # synced passkey (iCloud, Google) vs. bound to a device
    created_at = UTCDateTimeField(default=clock.now)
    last_used_at = UTCDateTimeField(null=True)


class ExternalIdentity(BaseModel):
    """An account at a single sign-on provider linked to a plexportal user (issuer + subject)."""
    user = ForeignKeyField(User, backref="identities", on_delete="CASCADE")
    provider = CharField(max_length=16, default="oidc")
    issuer = CharField(max_length=500)
    subject = CharField(max_length=255)
    email = CharField(max_length=254, default="")
    created_at = UTCDateTimeField(default=clock.now)
    last_used_at = UTCDateTimeField(null=True)

    class Meta:
        indexes = ((("provider", "issuer", "subject"), True),)
