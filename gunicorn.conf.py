"""gunicorn settings shared by `make run`, Docker and systemd: `gunicorn -c gunicorn.conf.py wsgi:app`.

One gthread worker with 8 threads by default: the login throttle's in-memory store is then exact.
With PLEXPORTAL_REDIS_URL set the throttle lives in Redis, and WEB_CONCURRENCY may raise the
number of worker processes. Anything else can be given in GUNICORN_CMD_ARGS.
"""
import os

from dotenv import load_dotenv

load_dotenv(override=False)          # the same .env the app reads, so PLEXPORTAL_BIND works there too

bind = [os.environ.get("PLEXPORTAL_BIND") or "127.0.0.1:8000"]
workers = int(os.environ.get("WEB_CONCURRENCY") or 1)
worker_class = "gthread"
threads = 8
timeout = 60                        # a Test-connection button waits a few seconds at most
graceful_timeout = 20
accesslog = "-"
# gunicorn's control socket lives in $HOME, which two instances would share and which a service
# user may not have; nothing here uses it.
control_socket_disable = True
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'


def on_starting(server):
    """Check the configuration in the master before any worker forks: an unwritable data dir or a
    bad PLEXPORTAL_* value stops gunicorn with one sentence, instead of each worker failing at
    boot and being restarted forever."""
    import sys

    from plexportal.config import Config, ConfigError

    try:
        Config.from_env().ensure_data_dir()
    except ConfigError as err:
        server.log.error("plexportal cannot start: %s", err)
        print(f"plexportal cannot start: {err}", file=sys.stderr)
        sys.exit(2)


def when_ready(server):
    host = bind[0]
    if host.startswith(("unix:", "fd://")):
        return
    if host.startswith("0.0.0.0"):
        host = "127.0.0.1" + host[len("0.0.0.0"):]
    server.log.info("plexportal is ready: open http://%s", host)
