from plexportal.settings.registry import SettingDef as S

G = "Notifications"


def _private_hosts(text: str) -> str | None:
    import ipaddress

    from plexportal.auth import hosts

    for part in text.replace(",", " ").split():
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError:
            if hosts.problem(part):
                return f"“{part[:60]}” is neither a host name nor an address (e.g. ntfy.lan, 192.168.1.50, 10.0.0.0/8)."
    return None

DEFS = [
    S("NOTIFY_MAX_ATTEMPTS", "Attempts before a message fails", G, kind="int", default="8", minimum=1, maximum=50,
      help="Each retry waits longer (1, 2, 4 … minutes, at most an hour)."),
    S("BATCH_INITIAL_DELAY", "Wait before the first message of a batch (seconds)", G, kind="int", default="420",
      minimum=0, maximum=86400,
      help="Episodes of the same series arriving together become one message; this is how long the first waits."),
    S("BATCH_EXTEND_DELAY", "Extra wait for each new item (seconds)", G, kind="int", default="180",
      minimum=0, maximum=86400, help="Each new episode pushes the message back by this much."),
    S("BATCH_MAX_WAIT", "Longest a batch waits (seconds)", G, kind="int", default="1200", minimum=0,
      maximum=86400, help="Never later than this after the first item, however many keep arriving."),
    S("NOTIFY_PRIVATE_HOSTS", "Private destinations allowed", G, validate=_private_hosts,
      help="Host names, addresses or networks (e.g. ntfy.lan, 192.168.1.50, 10.0.0.0/8) that people's own ntfy, "
           "Gotify or JSON destinations may reach inside your network. Everything else private is refused."),
    S("USER_LINK_DAYS", "Days a personal link stays valid", G, kind="int", default="30", minimum=1, maximum=365,
      help="The link to a user's page in every message. Unsubscribe links last four times longer."),
]
