#!/bin/sh
# Container entry point.
#   web     (default) back up and apply pending migrations (`db upgrade` writes the backup to
#           /data/backups first and says where), then exec gunicorn (PID 1; SIGTERM stops it gracefully)
#   worker  wait until the web has migrated the database, then exec the Huey consumer (SIGINT stops
#           it gracefully: docker-compose.yml sets stop_signal: SIGINT)
#   anything else is run as given, e.g. `flask --app wsgi create-admin NAME`
set -eu
cd "$(dirname "$0")/../.."

case "${1:-web}" in
web)
    [ $# -gt 0 ] && shift
    flask --app wsgi db upgrade
    exec gunicorn -c gunicorn.conf.py wsgi:app "$@"
    ;;
worker)
    shift
    # Never migrate from two containers at once: the web does it, the worker waits for it.
    waited=0
    until flask --app wsgi db status >/dev/null 2>&1; do
        if [ "$waited" -ge 300 ]; then
            echo "plexportal worker: the database is still not migrated after ${waited}s; is the web container running?" >&2
            flask --app wsgi db status >&2 || true
            exit 1
        fi
        [ "$waited" -eq 0 ] && echo "plexportal worker: waiting for the web to migrate the database"
        sleep 3
        waited=$((waited + 3))
    done
    exec huey_consumer plexportal.worker.huey --workers 2 --worker-type thread --flush-locks "$@"
    ;;
*)
    exec "$@"
    ;;
esac
