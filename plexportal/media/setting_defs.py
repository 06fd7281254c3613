from plexportal.settings.registry import SettingDef as S

G = "Media"

DEFS = [
    S("AVAILABILITY_CHECK", "Confirm availability in", G, kind="choice", default="plex",
      choices=(("plex", "Plex"), ("jellyfin", "Jellyfin"), ("none", "Don't check")),
      help="Before saying something is ready, look it up by id in this server's library."),
    S("AVAILABILITY_RETRY", "Re-check every (seconds)", G, kind="int", default="60", minimum=5, maximum=3600,
      help="How often to look again while the library has not picked the item up yet."),
    S("AVAILABILITY_MAX_WAIT", "Give up waiting after (seconds)", G, kind="int", default="3600", minimum=0,
      maximum=7 * 24 * 3600,
      help="Then the message goes out anyway, flagged for you on the Notifications page."),
    S("AVAILABILITY_TIMEOUT", "Wait for the server's answer (seconds)", G, kind="int", default="10", minimum=1,
      maximum=120, help="Each availability check gives up after this long; after three checks in a row time "
      "out, the server is not asked again for 5 minutes, so messages keep flowing while it hangs."),
]


def _sync_seerr_people() -> None:
    from plexportal.media.tasks import sync_seerr_people_task

    sync_seerr_people_task()


# Seerr connected (the wizard's Seerr step or the settings page): read its people now.
ON_SAVE = {"Seerr": [_sync_seerr_people]}
