"""The platform's own settings: general, security, and the connection to each service."""
from plexportal.settings.registry import SettingDef as S

GENERAL = "General"
SECURITY = "Security"

def _hosts(text: str) -> str | None:
    from plexportal.auth import hosts

    return hosts.problem(text)


def _local_networks(text: str) -> str | None:
    from plexportal.config import local_network_problem

    return local_network_problem(text)


DEFS = [
    S("SERVER_NAME", "Server name", GENERAL, default="My Plex Server", default_from="PLEX_SERVER_NAME",
      help="Shown in the top bar, emails and the join page. Leave empty to use the name your Plex server "
           "reports (read when Plex is connected, and every hour)."),
    S("PLEX_SERVER_NAME", "Name the Plex server reports", GENERAL, hidden=True),
    S("BASE_URL", "Public URL", GENERAL, kind="url",
      help="How people reach plexportal, e.g. https://portal.example.com. Used in links and emails."),
    S("TIMEZONE", "Time zone", GENERAL, kind="timezone", default="UTC",
      help="Times are stored in UTC and shown in this zone."),
    S("DEFAULT_LANGUAGE", "Default language", GENERAL, kind="choice", default="en",
      choices=(("en", "English"), ("de", "Deutsch"), ("fr", "Français"), ("es", "Español"), ("nl", "Nederlands")),
      help="Messages to people who have not chosen a language on their page are written in it, and so are "
           "public pages when the browser asks for none of these languages."),
    S("ADMIN_EMAIL", "Admin email", GENERAL, kind="email",
      help="Where admin alerts go (failed backups, provisioning errors…)."),

    S("SESSION_LIFETIME_MINUTES", "Session lifetime (minutes)", SECURITY, kind="int", default="720",
      minimum=5, maximum=60 * 24 * 90, help="How long an admin stays signed in without activity."),
    S("ALLOWED_HOSTS", "Allowed host names", SECURITY, validate=_hosts,
      help="Names people use to reach plexportal besides the Public URL's, e.g. plex-portal.lan, *.example.com. "
           "Requests for any other name are refused (IP addresses and localhost always work)."),
    S("LOCAL_BYPASS_CIDRS", "Sign-in not required from", SECURITY, kind="cidrs", validate=_local_networks,
      help="Optional networks (CIDR list, e.g. 192.168.1.0/24) whose visitors are treated as the admin. "
           "Only the client address seen through PLEXPORTAL_TRUSTED_PROXIES hops counts."),
    S("API_KEY", "API key", SECURITY, kind="secret", generate=True,
      help="Send as the X-Api-Key header to /api/v1/… (Homepage, Homarr, scripts). Reference: /api/reference."),
    S("WEBHOOK_SECRET", "Webhook secret", SECURITY, kind="secret", generate=True,
      help="Sonarr, Radarr and Seerr authenticate their webhooks with it."),

    S("SEERR_URL", "Seerr URL", "Seerr", kind="url", help="Overseerr, Jellyseerr or Seerr, e.g. http://seerr:5055"),
    S("SEERR_API_KEY", "Seerr API key", "Seerr", kind="secret", bound_to=("SEERR_URL",), help="Seerr → Settings → General → API Key."),
    S("SONARR_URL", "Sonarr URL", "Sonarr", kind="url", help="e.g. http://sonarr:8989"),
    S("SONARR_API_KEY", "Sonarr API key", "Sonarr", kind="secret", bound_to=("SONARR_URL",), help="Sonarr → Settings → General → API Key."),
    S("RADARR_URL", "Radarr URL", "Radarr", kind="url", help="e.g. http://radarr:7878"),
    S("RADARR_API_KEY", "Radarr API key", "Radarr", kind="secret", bound_to=("RADARR_URL",), help="Radarr → Settings → General → API Key."),
    S("PLEX_URL", "Plex server URL", "Plex", kind="url", help="e.g. http://plex:32400"),
    S("PLEX_TOKEN", "Plex token", "Plex", kind="secret", bound_to=("PLEX_URL", "PLEX_TV_URL", "PLEX_CLIENTS_URL"),
      help="The server owner's X-Plex-Token."),
    S("JELLYFIN_URL", "Jellyfin URL", "Jellyfin", kind="url", help="Only if you use Jellyfin instead of Plex."),
    S("JELLYFIN_API_KEY", "Jellyfin API key", "Jellyfin", kind="secret", bound_to=("JELLYFIN_URL",)),
    S("SMTP_HOST", "SMTP host", "Email", help="e.g. smtp.example.com"),
    S("SMTP_PORT", "SMTP port", "Email", kind="int", default="587", minimum=1, maximum=65535),
    S("SMTP_USER", "SMTP user", "Email"),
    S("SMTP_PASSWORD", "SMTP password", "Email", kind="secret", bound_to=("SMTP_HOST", "SMTP_PORT", "SMTP_SECURITY")),
    S("SMTP_FROM", "From address", "Email", kind="email", help="The sender of every email."),
    S("SMTP_SECURITY", "Connection security", "Email", kind="choice", default="starttls",
      choices=(("none", "None (plain, port 25)"), ("starttls", "STARTTLS (port 587)"), ("tls", "TLS (port 465)"))),
    S("PLEX_TV_URL", "plex.tv URL", "plex.tv", kind="url", default="https://plex.tv",
      help="Change only to point at a test server."),
    S("PLEX_CLIENTS_URL", "clients.plex.tv URL", "plex.tv", kind="url", default="https://clients.plex.tv"),
    S("PLEX_APP_URL", "app.plex.tv URL", "plex.tv", kind="url", default="https://app.plex.tv"),
    S("PLEX_CLIENT_ID", "plex.tv client identifier", "plex.tv",
      help="How plex.tv knows this install (X-Plex-Client-Identifier). Random, generated on first use; "
           "empty it to appear as a new device."),
]
