"""What the health area plugs in: the monitors' pages and the maintenance pages, the runner's and
maintenance tasks, the webhook subscribers that wake monitors, the messages people can choose,
the maintenance pause of the outbox, settings, `flask monitors`, the dashboard card and metrics."""
from plexportal.areas import Area, MessageKind, Subscriber
from plexportal.health import (
    cli,
    dashboard,
    issue_messages,
    maintenance,
    maintenance_views,
    messages,
    metrics,
    models,
    setting_defs,
    subscribers,
    tasks,
    views,
)
from plexportal.notify import render

AREA = Area(
    "health",
    blueprints=[views.bp, maintenance_views.bp],
    models=[models],
    tasks=[tasks],
    settings=setting_defs.DEFS,
    cli=cli.commands,
    dashboard=dashboard.card,
    metrics=metrics.collect,
    message_kinds=[MessageKind(kind, label) for kind, label in messages.KINDS.items()]
    + [MessageKind(kind, label, default) for kind, (label, default) in issue_messages.CHOICES.items()],
    renderers={**dict.fromkeys(messages.KINDS, messages.render_payload),
               **dict.fromkeys(issue_messages.CHOICES, render.render_update),
               **dict.fromkeys(maintenance.KINDS, messages.render_payload)},
    pauses=[maintenance.pause_reason],
    subscribers=[Subscriber("seerr", "*", subscribers.on_seerr)]
    + [Subscriber("seerr", event_type, subscribers.on_approved) for event_type in subscribers.APPROVALS]
    + [Subscriber(source, event_type, handler) for source in ("sonarr", "radarr")
       for event_type, handler in subscribers.ARR_EVENTS.items()],
)
