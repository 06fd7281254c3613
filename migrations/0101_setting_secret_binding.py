"""setting secret binding: a stored secret remembers the addresses it was saved with.

Secrets stored before are bound to the addresses in effect at the upgrade (environment, then the
database, then the default), so from now on they are sent only there."""
import os

from peewee import *

BOUND = {"SEERR_API_KEY": ("SEERR_URL",), "SONARR_API_KEY": ("SONARR_URL",), "RADARR_API_KEY": ("RADARR_URL",),
         "PLEX_TOKEN": ("PLEX_URL", "PLEX_TV_URL", "PLEX_CLIENTS_URL"), "JELLYFIN_API_KEY": ("JELLYFIN_URL",),
         "SMTP_PASSWORD": ("SMTP_HOST", "SMTP_PORT", "SMTP_SECURITY")}


def up(migrator, db):
    from plexportal.settings.registry import address_of, get_def

    migrator.migrate(migrator.add_column('setting', 'bound_to', TextField(null=True)))
    stored = dict(db.execute_sql("SELECT key, value FROM setting").fetchall())

    def effective(key):
        return os.environ.get(f"PLEXPORTAL_{key}") or stored.get(key) or get_def(key).default

    for secret, addresses in BOUND.items():
        if stored.get(secret):
            bound = "\n".join(f"{k}={address_of(get_def(k), effective(k))}" for k in addresses)
            db.execute_sql(f"UPDATE setting SET bound_to = {db.param} WHERE key = {db.param}", (bound, secret))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('setting', 'bound_to'))
