"""Invites settings."""
from plexportal.settings.registry import SettingDef as S

GROUP = "Invites"

DEFS = [
    S("INVITE_CODE", "Global invite code", GROUP,
      help="Optional. When set, the public request form at /join asks for this code and shares the "
           "default preset's libraries. Leave empty to accept people only through invite links."),
    S("INVITES_DEFAULT_PRESET", "Default preset", GROUP,
      help="Preset name used by the request form and by CSV rows that name none (empty: all libraries, no extras)."),
    S("INVITES_REQUIRE_APPROVAL", "Approve requests by hand", GROUP, kind="bool", default="false",
      help="Requests through the global code wait for you to approve or decline them."),
    S("INVITES_PER_CODE_LIMIT", "Submissions per invite link", GROUP, default="30/hour",
      help="Rate limit per link, on top of 5/minute and 20/hour per visitor, e.g. 30/hour."),
    S("INVITES_HONEYPOT", "Honeypot field", GROUP, kind="bool", default="true",
      help="A hidden field people never fill in; submissions that fill it are dropped quietly."),
    S("INVITES_REMINDER_DAYS", "Remind before access ends (days)", GROUP, kind="int", default="7",
      minimum=0, maximum=90, help="The person and you get an email this many days before a timed share ends."),
    S("ACCESS_EXPIRY_MODE", "Timed access: when it ends", GROUP, kind="choice", default="report",
      choices=(("report", "List whose share would end; I press Do it"),
               ("auto", "End the Plex share on time by itself")),
      help="In the first mode nothing is removed on plex.tv by the clock: the Health page lists each person "
           "whose timed access has ended, with Do it."),
    S("INVITES_REQUEST_URL", "Where people request films and shows", GROUP, kind="url",
      help="Shown on the welcome page and in the welcome email, e.g. your Seerr address."),
]


def _learn_plex_server() -> None:
    from plexportal.invites.tasks import learn_plex_server_task

    learn_plex_server_task()


# Plex connected (the wizard's Plex step or the settings page): learn its name and libraries now.
ON_SAVE = {"Plex": [_learn_plex_server]}
