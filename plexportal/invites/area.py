"""What the invites area plugs in: the admin pages (views.py), the public join pages (join.py),
Users (people.py) and CSV batches (batch_views.py), all on one blueprint; provisioning and access
tasks, settings, commands, API routes, the dashboard card, metrics and the user page's section."""
from plexportal.areas import Area
from plexportal.invites import (
    api,
    batch_views,
    cli,
    dashboard,
    join,
    messages,
    metrics,
    models,
    people,
    profile,
    service,
    setting_defs,
    tasks,
    views,
)

AREA = Area(
    "invites",
    blueprints=[views.bp],
    routes=[join, people, batch_views, api],
    models=[models],
    tasks=[tasks],
    settings=setting_defs.DEFS,
    cli=cli.commands,
    dashboard=dashboard.card,
    metrics=metrics.collect,
    profile_sections=[profile.section],
    renderers=dict.fromkeys(messages.KINDS, messages.render_message),
    access_checks=[service.has_lost_access],
    on_save=setting_defs.ON_SAVE,
)
