"""The stuck-download series refresh (STUCK_FIX_MODE) and the end of timed access on plex.tv
(ACCESS_EXPIRY_MODE) start in report-only mode on a fresh install: the Health page lists what would
be done, with Do it. An install that already ran keeps what it had, both done by themselves ("auto"
is written down for it), unless it chose a mode itself."""
import datetime

KEYS = ("STUCK_FIX_MODE", "ACCESS_EXPIRY_MODE")


def up(migrator, db):
    has_people = db.execute_sql('SELECT 1 FROM "user" LIMIT 1').fetchone() is not None
    if not has_people:
        return
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)     # naive UTC
    for key in KEYS:
        chosen = db.execute_sql(f"SELECT 1 FROM setting WHERE key = {db.param}", (key,)).fetchone()
        if chosen is None:
            db.execute_sql(f"INSERT INTO setting (key, value, updated_at) VALUES ({db.param}, {db.param}, {db.param})",
                           (key, "auto", now))


def down(migrator, db):
    pass
