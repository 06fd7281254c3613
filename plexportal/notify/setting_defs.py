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
    S("NOTIFY_GIVE_UP_HOURS", "Keep retrying a message for (hours)", G, kind="int", default="72", minimum=1,
      maximum=720, help="A message the other side keeps deferring (a 4xx reply, a chat service down) is retried "
      "after 1, 2, 4 … minutes (at most an hour) for this long after its first failure, then marked failed. "
      "Time the mail server is unreachable does not count: sending pauses instead."),
    S("NOTIFY_UNCERTAIN_RETRY_MINUTES", "Wait before resending a message that may have arrived (minutes)", G,
      kind="int", default="360", minimum=1, maximum=10080,
      help="When the mail server took a message but never confirmed it, it probably has it: the message is "
      "marked \"may have been delivered\" and sent again only after this long."),
    S("WORKER_LEASE_SECONDS", "A worker's hold on a message or an invite (seconds)", G, kind="int", default="60",
      minimum=2, maximum=3600, help="A running worker renews its hold every few seconds, however slow the mail "
      "server or plex.tv; a worker that was killed lets go of what it held this long after it stopped, and the "
      "next worker takes it over."),
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

DEFS += [
    S("SMTP_TIMEOUT", "Wait for each SMTP reply (seconds)", G, kind="int", default="300", minimum=1, maximum=3600,
      help="RFC 5321 asks for at least 5 minutes. A server that does not answer in time counts as unreachable: "
      "sending pauses and retries with one probe."),
    S("SMTP_DATA_TIMEOUT", "Wait for the server to accept a message (seconds)", G, kind="int", default="600",
      minimum=1, maximum=3600, help="The reply after the message itself; RFC 5321 asks for at least 10 minutes "
      "(servers scan the message first). Giving up sooner is how a slow server gets a message twice."),
]

DEFS += [
    S("PUSH_PRIVATE_ENDPOINTS", "Push services inside the network allowed (testing only)", G, host_only=True,
      validate=_private_hosts,
      help="Host names, addresses or networks a browser's Web Push endpoint may name although they are not "
           "public, also over plain http (a test push service on 127.0.0.1). Leave empty in production: "
           "endpoints must then be https addresses on the internet, as every browser's push service is."),
    S("VAPID_PRIVATE_KEY", "Web Push signing key (VAPID)", G, kind="secret", hidden=True,
      help="Generated the first time it is needed and stored encrypted. A new key makes every browser "
           "subscribe again."),
]
