"""people: identity keys, person events, jellyfin id; existing duplicates that ids prove are merged"""
import json

from peewee import *

from plexportal.db import JSONField, UTCDateTimeField


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class IdentityKey(Model):
        key = CharField(unique=True, max_length=300)
        kind = CharField(max_length=16)
        user = ForeignKeyField(User, on_delete='CASCADE')
        source = CharField(max_length=16, default='')
        created_at = UTCDateTimeField()
        class Meta:
            database = db
            table_name = 'identity_key'
    db.create_tables([IdentityKey])

    class PersonEvent(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        at = UTCDateTimeField(index=True)
        kind = CharField(max_length=32)
        message = TextField(default='')
        data = JSONField(default=dict)
        class Meta:
            database = db
            table_name = 'person_event'
    db.create_tables([PersonEvent])

    migrator.migrate(migrator.add_column('user', 'jellyfin_user_id', CharField(unique=True, null=True, max_length=64)))
    _backfill_keys(db)
    _merge_proven(db)


def _user(db):
    return db.quote[0] + "user" + db.quote[1]


def _now():
    import datetime
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def _backfill_keys(db):
    """Every way to recognise each existing person, oldest row first (it keeps a shared email)."""
    p, user = db.param, _user(db)
    taken = set()
    rows = db.execute_sql(f"SELECT id, role, plex_user_id, seerr_user_id, email, plex_username FROM {user} "
                          "ORDER BY id").fetchall()
    for uid, role, plex_id, seerr_id, email, plex_username in rows:
        keys = []
        if plex_id:
            keys.append(("plex", f"plex:{plex_id}"))
        if seerr_id:
            keys.append(("seerr", f"seerr:{seerr_id}"))
        if role != "admin":               # an admin is never found by email or name
            if email and "@" in email:
                keys.append(("email", f"email:{email.strip().lower()}"))
            if plex_username:
                keys.append(("name", f"name:{plex_username.strip().lower()}"))
        for kind, key in keys:
            if key in taken:
                continue
            taken.add(key)
            db.execute_sql(f"INSERT INTO identity_key (key, kind, user_id, source, created_at) VALUES ({p}, {p}, {p}, "
                           f"'migration', {p})", (key, kind, uid, _now()))


def _proven_pairs(db):
    """(row holding the Plex id, row an access or redemption of that Plex id points at) that differ."""
    user = _user(db)
    pairs = []
    for table in ("access", "redemption"):
        pairs += db.execute_sql(
            f"SELECT DISTINCT u.id, t.user_id FROM {table} t JOIN {user} u ON u.plex_user_id = t.plex_user_id "
            "WHERE t.user_id IS NOT NULL AND t.user_id <> u.id").fetchall()
    return pairs


def _merge_proven(db):
    from plexportal.people import merging

    p, user = db.param, _user(db)
    refused = set()
    while True:
        pairs = [pair for pair in _proven_pairs(db) if tuple(sorted(pair)) not in refused]
        if not pairs:
            return
        a, b = pairs[0]
        roles = dict(db.execute_sql(f"SELECT id, role FROM {user} WHERE id IN ({p}, {p})", (a, b)).fetchall())
        if roles.get(a) == "admin" and roles.get(b) == "admin":
            refused.add(tuple(sorted((a, b))))
            continue
        keep, other = (b, a) if roles.get(b) == "admin" or (roles.get(a) != "admin" and b < a) else (a, b)
        cols = ["plex_user_id", "seerr_user_id", "jellyfin_user_id", "email", "plex_username", "display_name",
                "avatar_url", "username"]
        k_row = dict(zip(cols, db.execute_sql(f"SELECT {', '.join(cols)} FROM {user} WHERE id = {p}", (keep,)).fetchone()))
        o_row = dict(zip(cols, db.execute_sql(f"SELECT {', '.join(cols)} FROM {user} WHERE id = {p}", (other,)).fetchone()))
        db.execute_sql(f"UPDATE {user} SET plex_user_id = NULL, seerr_user_id = NULL, jellyfin_user_id = NULL "
                       f"WHERE id = {p}", (other,))
        merging.reconcile(db, keep, other)
        moved = merging.move_rows(db, keep, other)
        fill = {c: o_row[c] for c in cols[:-1] if o_row[c] and not k_row[c]}
        if fill:
            db.execute_sql(f"UPDATE {user} SET {', '.join(f'{c} = {p}' for c in fill)} WHERE id = {p}",
                           (*fill.values(), keep))
        db.execute_sql(f"DELETE FROM {user} WHERE id = {p}", (other,))
        described = f"#{other} {o_row['username']}"
        message = (f"Merged {described} into this person when upgrading: its Plex access or invite "
                   f"belongs to this person's Plex account.")
        db.execute_sql(f"INSERT INTO person_event (user_id, at, kind, message, data) VALUES ({p}, {p}, 'merged', {p}, {p})",
                       (keep, _now(), message, json.dumps({"other": described, "moved": moved, "automatic": True})))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('user', 'user_jellyfin_user_id'))
    migrator.migrate(migrator.drop_column('user', 'jellyfin_user_id'))
    migrator.migrate(migrator.drop_table('person_event'))
    migrator.migrate(migrator.drop_table('identity_key'))
