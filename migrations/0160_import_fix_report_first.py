"""Failed-import fixes start in report-only mode on a fresh install (IMPORT_FIX_MODE defaults to
"report": the Health page lists what would be done, with Do it). An install that already ran keeps
what it had: the old default, "fix", is written down for it unless it chose a mode itself."""
import datetime


def up(migrator, db):
    has_people = db.execute_sql('SELECT 1 FROM "user" LIMIT 1').fetchone() is not None
    chosen = db.execute_sql(f"SELECT 1 FROM setting WHERE key = {db.param}", ("IMPORT_FIX_MODE",)).fetchone()
    if has_people and chosen is None:
        db.execute_sql(f"INSERT INTO setting (key, value, updated_at) VALUES ({db.param}, {db.param}, {db.param})",
                       ("IMPORT_FIX_MODE", "fix", datetime.datetime.now(datetime.UTC).replace(tzinfo=None)))  # naive UTC


def down(migrator, db):
    pass
