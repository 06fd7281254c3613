"""What the auth area plugs in: sign-in pages (views.py, account pages in views_account.py, Plex and
OpenID Connect redirects in views_external.py), sessions and passkeys, its settings and the
rate-limit store's dashboard warning."""
from plexportal.areas import Area
from plexportal.auth import dashboard, models, setting_defs, views, views_account, views_external

AREA = Area(
    "auth",
    blueprints=[views.bp],
    routes=[views_account, views_external],
    models=[models],
    settings=setting_defs.DEFS,
    dashboard=dashboard.card,
)
