"""What the settings area plugs in: the settings page and setup wizard, the connection checks'
task, the general settings and `flask settings docs`."""
from plexportal.areas import Area
from plexportal.settings import cli, models, setting_defs, tasks, views

AREA = Area(
    "settings",
    blueprints=[views.bp],
    models=[models],
    tasks=[tasks],
    settings=setting_defs.DEFS,
    cli=cli.commands,
)
