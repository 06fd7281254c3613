"""Operations settings: plexportal's own backups, the log store, the metrics endpoint."""
from plexportal.settings.registry import SettingDef as S


def _cron(text: str) -> str | None:
    from plexportal.backups import service as backups

    if text.strip().lower() == "off":
        return None
    return backups.cron_problem(text)


def _folder(text: str) -> str | None:
    if not text.startswith("/"):
        return "Use an absolute path such as /backups/plexportal (empty: the backups folder in the data directory)."
    return None


DATA = "Data"
METRICS = "Metrics"

DEFS = [
    S("SELF_BACKUP_SCHEDULE", "Back up plexportal (cron)", DATA, default="30 3 * * *", validate=_cron,
      help="When the worker backs plexportal itself up (database and key), in the general time zone. "
           "off: never on its own (Create now and `flask data backup` still work)."),
    S("SELF_BACKUP_DIR", "Backup folder", DATA, validate=_folder,
      help="Where plexportal's own backups go. Empty: backups/ in the data directory. Best on another disk."),
    S("SELF_BACKUP_KEEP", "Backups to keep", DATA, kind="int", default="7", minimum=1, maximum=365,
      help="Older scheduled and Create now backups are deleted (the last 3 taken before upgrades are kept too)."),
    S("SELF_BACKUP_PASSPHRASE", "Key passphrase", DATA, kind="secret",
      help="Optional: seals the key file inside scheduled and Create now backups. Without it, anyone with a "
           "backup can read the stored API keys. Keep it somewhere else: a restore asks for it."),
    S("LOG_KEEP_RECORDS", "Log records to keep", DATA, kind="int", default="20000", minimum=1000, maximum=1_000_000,
      help="The Logs page keeps this many recent records of the web and the worker; older ones are deleted."),
    S("METRICS_ENABLED", "Prometheus metrics", METRICS, kind="bool", default="false",
      help="Serve GET /metrics for Prometheus. It needs the metrics token (or the API key) as a bearer token."),
    S("METRICS_TOKEN", "Metrics token", METRICS, kind="secret", generate=True,
      help="Prometheus sends it as `Authorization: Bearer <token>` (authorization: credentials in scrape_configs)."),
]
