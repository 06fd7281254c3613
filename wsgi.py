"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi …`. Builds the app, then sets up the
process (logging, the queue's tables)."""
import sys

from plexportal import create_app, processes
from plexportal.config import ConfigError

try:
    app = create_app()
except ConfigError as err:
    print(f"plexportal cannot start: {err}", file=sys.stderr)
    sys.exit(2)
processes.start(app)
processes.settle()
