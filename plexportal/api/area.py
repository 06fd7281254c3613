"""What the api area plugs in: /api/v1 (api_bp; the other areas add their routes to it, see their
area.py `routes`) and /healthz."""
from plexportal.api import reference, views
from plexportal.areas import Area

AREA = Area("api", blueprints=[views.api_bp, views.health_bp, reference.bp])
