"""auth: an admin's password moves from the person's row to an admin account linked to it"""
import datetime

from peewee import *

from plexportal.db import UTCDateTimeField


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class AdminAccount(Model):
        user = ForeignKeyField(User, unique=True, on_delete='CASCADE')
        password_hash = CharField(max_length=255, null=True)
        created_at = UTCDateTimeField()
        password_changed_at = UTCDateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'admin_account'
    db.create_tables([AdminAccount])
    move_passwords(db)
    migrator.migrate(migrator.drop_column('user', 'password_hash'))


def move_passwords(db):
    """Every stored password hash, as it is (nothing is re-hashed or lost), onto its own account."""
    p, user = db.param, db.quote[0] + "user" + db.quote[1]
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    rows = db.execute_sql(f"SELECT id, password_hash, created_at FROM {user} "  # nosec B608 # fixed names
                          "WHERE password_hash IS NOT NULL AND password_hash <> '' ORDER BY id").fetchall()
    for uid, password_hash, created in rows:
        db.execute_sql(f"INSERT INTO admin_account (user_id, password_hash, created_at) VALUES ({p}, {p}, {p})",  # nosec B608 # fixed names; values are parameters
                       (uid, password_hash, created or now))


def down(migrator, db):
    migrator.migrate(migrator.add_column('user', 'password_hash', CharField(max_length=255, null=True)))
    p, user = db.param, db.quote[0] + "user" + db.quote[1]
    for uid, password_hash in db.execute_sql("SELECT user_id, password_hash FROM admin_account").fetchall():
        db.execute_sql(f"UPDATE {user} SET password_hash = {p} WHERE id = {p}", (password_hash, uid))  # nosec B608 # fixed names; values are parameters
    migrator.migrate(migrator.drop_table('admin_account'))
