"""What the backups area plugs in: the Plex backup's pages and pings, the watch task, settings,
commands, API routes, the dashboard card and metrics."""
from plexportal.areas import Area
from plexportal.backups import api, cli, dashboard, metrics, models, setting_defs, tasks, views

AREA = Area(
    "backups",
    blueprints=[views.bp],
    routes=[api],
    models=[models],
    tasks=[tasks],
    settings=setting_defs.DEFS,
    cli=cli.commands,
    dashboard=dashboard.card,
    metrics=metrics.collect,
)
