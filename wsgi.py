"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi …`."""
import sys

from plexportal import create_app
from plexportal.config import ConfigError

try:
    app = create_app()
except ConfigError as err:
    print(f"plexportal cannot start: {err}", file=sys.stderr)
    sys.exit(2)
