from plexportal.settings.registry import SettingDef as S

G = "Notifications"

DEFS = [
    S("NOTIFY_MAX_ATTEMPTS", "Attempts before a message fails", G, kind="int", default="8", minimum=1, maximum=50,
      help="Each retry waits longer (1, 2, 4 … minutes, at most an hour)."),
]
