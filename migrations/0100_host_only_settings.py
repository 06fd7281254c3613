"""host-only settings: the programs plexportal runs are read from the environment only.

Values an admin had saved on the settings page are removed (they are ignored from now on); each
is printed so the operator can copy it into .env."""
import logging

HOST_ONLY = ("BACKUP_SCRIPT_PATH", "CRON_COMMAND", "CRON_USER", "CRON_EDIT_ENABLED")
log = logging.getLogger("plexportal.migrations")


def up(migrator, db):
    marks = ", ".join([db.param] * len(HOST_ONLY))
    rows = db.execute_sql(f"SELECT key, value FROM setting WHERE key IN ({marks})", HOST_ONLY).fetchall()
    for key, value in rows:
        if value:
            message = (f"{key} was set on the settings page to {value!r}; it is now read only from the "
                       f"environment: put PLEXPORTAL_{key}={value} in .env if you still want it")
            log.warning(message)
            print(message)
    db.execute_sql(f"DELETE FROM setting WHERE key IN ({marks})", HOST_ONLY)


def down(migrator, db):
    pass
