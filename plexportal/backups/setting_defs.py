"""Backup monitoring settings: where the logs are, the schedule, alert thresholds, manual runs."""
from plexportal.settings.registry import SettingDef as S


def _factor(text: str) -> str | None:
    try:
        value = float(text)
    except ValueError:
        return "Enter a number such as 3 or 2.5."
    return None if value > 1 else "Use a factor above 1."


def _cron(text: str) -> str | None:
    from plexportal.backups import schedule

    return schedule.problem(text)


G = "Backups"

DEFS = [
    S("BACKUP_LOG_PATH", "Backup log", G, default="/var/log/plex-backup.log",
      help="The backup script's main log (=== Plex Backup Started … === sections with rsync output)."),
    S("BACKUP_TRACKING_PATH", "Tracking file", G,
      help="Lines like 2026-02-23:success. Empty: plex-backup-tracking.log beside the backup log."),
    S("BACKUP_TIMEZONE", "Backup time zone", G, kind="timezone",
      help="The zone of the machine that writes the log. Empty: the general time zone."),
    S("BACKUP_SCHEDULE", "Backup schedule (cron)", G, validate=_cron,
      help="e.g. 0 3 * * * for 03:00 every day. Empty: read from the crontab of the cron user."),
    S("CRON_USER", "Cron user", G, host_only=True,
      help="Whose crontab runs the backup (read with crontab -u USER -l). Empty: the service's own."),
    S("CRON_EDIT_ENABLED", "Allow editing the crontab", G, kind="bool", default="false", host_only=True,
      help="Let the schedule page change the time of the backup's line in the cron user's crontab."),
    S("CRON_COMMAND", "crontab program", G, default="crontab", host_only=True,
      help="Path to the crontab program."),
    S("BACKUP_GRACE", "Grace time (minutes)", G, kind="int", default="60", minimum=1, maximum=7 * 24 * 60,
      help="A backup is late at its scheduled time and down (alert) this long after it."),
    S("BACKUP_MAX_RUNTIME", "Longest normal run (minutes)", G, kind="int", default="360", minimum=5,
      maximum=7 * 24 * 60, help="A run still going after this long is reported as stuck."),
    S("BACKUP_SIZE_DROP_PCT", "Size drop alert (%)", G, kind="int", default="20", minimum=1, maximum=99,
      help="Alert when the backup shrinks by more than this against the median of recent backups."),
    S("BACKUP_DURATION_FACTOR", "Slow run alert (× median)", G, default="3", validate=_factor,
      help="Alert when a run takes longer than this many times the median."),
    S("BACKUP_ANOMALY_MIN_HISTORY", "Runs needed before anomaly alerts", G, kind="int", default="7",
      minimum=2, maximum=365),
    S("BACKUP_RSYNC_BINARY_UNITS", "rsync sizes are 1024-based", G, kind="bool", default="false",
      help="Tick if the script uses rsync -hh (or an rsync older than 3.1 with -h)."),
    S("LOG_POLL_INTERVAL", "Read new log lines every (seconds)", G, kind="int", default="300",
      minimum=60, maximum=86400),
    S("BACKUP_SCRIPT_PATH", "Backup script", G, host_only=True,
      help="The script Run now starts, e.g. /usr/local/bin/plex-backup.sh."),
    S("BACKUP_COOLDOWN", "Pause between manual runs (seconds)", G, kind="int", default="900", minimum=0,
      maximum=7 * 86400),
    S("BACKUP_DEST_PATH", "Backup destination", G,
      help="Optional: the folder the backup writes to; checked every 15 minutes for Preferences.xml and "
           "fresh Plex databases, with an alert when they look wrong."),
    S("BACKUP_SUMMARY", "Summary email", G, kind="choice", default="off",
      choices=(("off", "Off"), ("daily", "Daily"), ("weekly", "Weekly (Mondays)"))),
    S("BACKUP_PING_TOKEN", "Ping token", G, kind="secret",
      help="Lets a backup script report with POST /backups/ping/<token>/start|success|fail. "
           "Generate one on the Backups → Setup page."),
]
