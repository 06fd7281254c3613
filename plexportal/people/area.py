"""What the people area plugs in: the People pages (and merging by hand), /api/v1/people, the
identity keys and person events, and `flask people`."""
from plexportal.areas import Area
from plexportal.people import api, cli, models, views

AREA = Area(
    "people",
    blueprints=[views.bp],
    routes=[api],
    models=[models],
    cli=cli.commands,
)
