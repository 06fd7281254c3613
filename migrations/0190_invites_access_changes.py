"""invites: every change to someone's Plex access kept as a row; filled from what the audit log says"""
import datetime
import json
from collections import defaultdict

from peewee import *

from plexportal.db import JSONField, UTCDateTimeField

# What the audit log said for each change of a share, as versions before this one wrote it
# (`name` is the share's title, else its username).
AUDIT_KINDS = {
    "invites.access.updated": ("changed", "Changed libraries/permissions of {name}", False),
    "invites.access.suspended": ("suspended", "Suspended {name}", False),
    "invites.access.restored": ("restored", "Restored {name}", False),
    "invites.access.removed": ("removed", "Removed {name}", False),
    "invites.access.extended": ("expiry", "Access of {name} now ends ", True),      # then the date, as said
    "invites.access.expired": ("expired", "Access of {name} ended (timed access)", False),
}


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Access(Model):
        class Meta:
            database = db
            table_name = 'access'

    class AccessChange(Model):
        access = ForeignKeyField(Access, null=True, on_delete='SET NULL')
        user = ForeignKeyField(User, null=True, on_delete='SET NULL')
        plex_user_id = IntegerField(null=True, index=True)
        who = CharField(max_length=150, default='')
        at = UTCDateTimeField(index=True)
        kind = CharField(max_length=16)
        door = CharField(max_length=16)
        actor_label = CharField(max_length=150, default='')
        data = JSONField(default=dict)
        class Meta:
            database = db
            table_name = 'access_change'
    db.create_tables([AccessChange])
    backfill(db)


def down(migrator, db):
    migrator.migrate(migrator.drop_table('access_change'))


def _naive(value):
    """A column value as naive UTC (how UTCDateTimeField stores it)."""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if value is not None and value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value


def _iso(value):
    return value.isoformat() + "Z" if value is not None else None


def _loads(text):
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def backfill(db):
    """What can be told honestly from what an older version kept: each share's start (with the
    invite's terms when an invite made it), each change the audit log names a share by (only when
    that name belongs to one share), and a share's present state when the log does not say how it
    got there. Nothing is guessed: a change the log does not detail says so."""
    p = db.param
    tables = set(db.get_tables())
    titles = dict(db.execute_sql("SELECT section_id, title FROM plex_library").fetchall()) \
        if "plex_library" in tables else {}
    shares = db.execute_sql(
        "SELECT id, plex_user_id, user_id, title, username, email, status, joined_at, changed_at, redemption_id "
        "FROM access ORDER BY id").fetchall()
    by_name = defaultdict(list)
    for row in shares:
        by_name[row[3] or row[4]].append(row[0])
    audit = defaultdict(list)
    if "audit_entry" in tables:
        actions = list(AUDIT_KINDS)
        marks = ", ".join([p] * len(actions))
        for at, action, message, actor in db.execute_sql(
                f"SELECT at, action, message, actor_label FROM audit_entry WHERE action IN ({marks}) "  # nosec B608 # fixed names; values are parameters
                "ORDER BY at, id", actions).fetchall():
            audit[action].append((_naive(at), message, actor))
    rows = []
    for access_id, plex_id, user_id, title, username, email, status, joined, changed, redemption_id in shares:
        who = (title or username or email or "")[:150]
        name = title or username

        share = (access_id, user_id, plex_id, who)

        def add(at, kind, data, actor="", door="upgrade", share=share):
            rows.append((*share, at, kind, door, actor or "", json.dumps(data, separators=(",", ":"), sort_keys=True)))

        granted = {"note": "first seen"}
        if redemption_id:
            found = db.execute_sql(f"SELECT terms FROM redemption WHERE id = {p}", (redemption_id,)).fetchone()  # nosec B608 # fixed names; values are parameters
            terms = _loads(found[0]) if found else None
            if isinstance(terms, dict):
                ids = terms.get("libraries") or []
                granted = {"libraries": [titles.get(i, f"library {i}") for i in ids] or ["all"],
                           "downloads": bool(terms.get("allow_sync")), "note": "invite accepted"}
                if terms.get("access_days") and joined is not None:
                    granted["expires_at"] = _iso(_naive(joined) + datetime.timedelta(days=int(terms["access_days"])))
        add(_naive(joined), "granted", granted)
        told = set()
        if name and len(by_name[name]) == 1:
            for action, (kind, pattern, prefix) in AUDIT_KINDS.items():
                said = pattern.format(name=name)
                for at, message, actor in audit[action]:
                    if message == said or (prefix and message.startswith(said)):
                        add(at, kind, {"said": message}, "" if actor == "system" else actor)
                        told.add(kind)
        if status in ("suspended", "removed", "expired") and status not in told and changed is not None:
            add(_naive(changed), status, {"note": "its state when upgrading; when and how it changed was not recorded"})
    for row in rows:
        db.execute_sql(
            f"INSERT INTO access_change (access_id, user_id, plex_user_id, who, at, kind, door, actor_label, data) "  # nosec B608 # fixed names; values are parameters
            f"VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})", row)
