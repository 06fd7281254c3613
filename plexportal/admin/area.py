"""What the admin area plugs in: the dashboard page and the audit log."""
from plexportal.admin import models, views
from plexportal.areas import Area

AREA = Area("admin", blueprints=[views.bp], models=[models])
