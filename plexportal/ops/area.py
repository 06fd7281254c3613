"""What the ops area plugs in: Settings → Data, Logs and Jobs, /metrics, the self-backup task,
settings, `flask data` and its own metrics."""
from plexportal.areas import Area
from plexportal.ops import cli, metrics, models, setting_defs, tasks, views

AREA = Area(
    "ops",
    blueprints=[views.bp, views.metrics_bp],
    models=[models],
    tasks=[tasks],
    settings=setting_defs.DEFS,
    cli=cli.commands,
    metrics=metrics.collect,
)
