"""Settings of the media-health monitors: one on/off switch and interval per monitor, plus each
monitor's own knobs."""
from plexportal.health.monitors import MONITORS
from plexportal.settings.registry import SettingDef as S

G = "Media health"

DEFS = []
for _m in MONITORS.values():
    DEFS.append(S(_m.enabled_key, f"{_m.label}: run automatically", G, kind="bool", default="true",
                  help=_m.description))
    DEFS.append(S(_m.interval_key, f"{_m.label}: every (minutes)", G, kind="int",
                  default=str(_m.default_interval), minimum=1, maximum=60 * 24 * 7))

DEFS += [
    S("IMPORT_FIX_MODE", "Failed imports: what to do", G, kind="choice", default="report",
      choices=(("off", "Off: only list them"), ("notify", "Tell me, change nothing"),
               ("report", "List what it would do; I press Do it"),
               ("fix", "Remove, blocklist, search again and tell me"))),
    S("ISSUE_FIX_MODE", "Reported issues: what to do", G, kind="choice", default="manual",
      choices=(("manual", "I review each one"), ("auto", "Fix automatically"),
               ("auto_notify", "Fix automatically and tell me"))),
    S("ISSUE_ESCALATE_DAYS", "Escalate an unresolved issue after (days)", G, kind="int", default="3",
      minimum=1, maximum=365, help="The admin gets one reminder about an issue still open this long."),
    S("ISSUE_CLOSE_DAYS", "Close a stale issue after (days)", G, kind="int", default="30", minimum=1, maximum=3650,
      help="An issue still open this long is resolved in Seerr with a comment saying why (automatic modes "
           "only: in manual mode it stays for you to decide)."),
    S("STUCK_FIX_MODE", "Stuck downloads: what to change in Sonarr", G, kind="choice", default="report",
      choices=(("report", "List what it would do; I press Do it"), ("auto", "Refresh the series by itself")),
      help="A stuck download whose episode is still titled TBA needs a series refresh in Sonarr. In the first "
           "mode nothing is sent to Sonarr: the Health page lists the refresh with Do it."),
    S("STUCK_NO_PROGRESS_MINUTES", "A download is stuck after (minutes without progress)", G, kind="int",
      default="120", minimum=5, maximum=60 * 24 * 14),
    S("QUALITY_WAIT_HOURS", "Waiting for quality: tell people after (hours)", G, kind="int", default="48",
      minimum=1, maximum=24 * 60,
      help="A title that is out but has no copy in the requested quality this long after it came out (or after "
           "the request was approved, if later) gets one \"waiting for a good copy\" message; a grab before "
           "then cancels it."),
    S("RECONCILE_LOOKBACK_HOURS", "Reconciliation looks back (hours)", G, kind="int", default="48",
      minimum=1, maximum=24 * 30, help="How far back import history is compared with what was notified."),
    S("WEEKLY_SUMMARY_DAY", "Weekly summary day", G, kind="choice", default="sun",
      choices=(("mon", "Monday"), ("tue", "Tuesday"), ("wed", "Wednesday"), ("thu", "Thursday"),
               ("fri", "Friday"), ("sat", "Saturday"), ("sun", "Sunday"))),
    S("WEEKLY_SUMMARY_HOUR", "Weekly summary hour (0-23, in the time zone)", G, kind="int", default="9",
      minimum=0, maximum=23),
]
