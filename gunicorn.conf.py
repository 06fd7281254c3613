"""gunicorn settings shared by `make run`, Docker and systemd: `gunicorn -c gunicorn.conf.py wsgi:app`.

One gthread worker with 8 threads by default: the login throttle's in-memory store is then exact.
With PLEXPORTAL_REDIS_URL set the throttle lives in Redis, and WEB_CONCURRENCY may raise the
number of worker processes. Anything else can be given in GUNICORN_CMD_ARGS.

The access log never holds a secret: query strings and token path segments (webhook ?token=,
backup pings, people's links, iCal feeds) are redacted (plexportal/lib/redact.py).
X-Forwarded-Proto is believed only with PLEXPORTAL_TRUSTED_PROXIES >= 1 (then ProxyFix in the app
reads it for exactly those hops), never on gunicorn's own say.
"""
import os
import shutil
import sys
import tempfile

from dotenv import load_dotenv
from gunicorn.glogging import Logger

from plexportal.lib import redact

load_dotenv(override=False)          # the same .env the app reads, so PLEXPORTAL_BIND works there too

# /metrics: each worker process keeps its request-latency histogram in files here, so any of them
# answers for all (prometheus-client's multiprocess mode). Set before a worker imports the app.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="plexportal-metrics-")

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
# gunicorn's own scheme detection believes X-Forwarded-Proto from 127.0.0.1 by default, whatever
# TRUSTED_PROXIES says: a local process (or a proxy not declared) could then make plain HTTP look
# like HTTPS. The app's ProxyFix decides instead, for exactly TRUSTED_PROXIES hops.
forwarded_allow_ips = ""
secure_scheme_headers = {}


class RedactingLogger(Logger):
    """gunicorn's logger with secrets taken out of every access-log atom that holds an address."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["r"] = redact.request_line(atoms.get("r", ""))
        atoms["U"] = redact.path(atoms.get("U", ""))
        atoms["q"] = redact.query(atoms.get("q", ""))
        atoms["f"] = redact.url(atoms.get("f", ""))
        for key in list(atoms):                    # %({name}i)s, %({name}o)s, %({name}e)s
            if key.startswith("{") and key.endswith(("}i", "}o", "}e")):
                atoms[key] = redact.header(key[1:-2], atoms[key])
        return atoms


logger_class = RedactingLogger


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
    _warn_about_memory_limits(server)


def _warn_about_memory_limits(server):
    # The app reads WEB_CONCURRENCY to warn when several processes count limits in memory: make it
    # the real number, also when -w came from GUNICORN_CMD_ARGS.
    os.environ["WEB_CONCURRENCY"] = str(server.cfg.workers)
    if server.cfg.workers > 1 and not os.environ.get("PLEXPORTAL_REDIS_URL"):
        server.log.warning("%d web processes without PLEXPORTAL_REDIS_URL: each keeps its own sign-in counts, so "
                           "5 tries become %d. Set PLEXPORTAL_REDIS_URL or WEB_CONCURRENCY=1.",
                           server.cfg.workers, 5 * server.cfg.workers)


def when_ready(server):
    host = bind[0]
    if host.startswith(("unix:", "fd://")):
        return
    if host.startswith("0.0.0.0"):
        host = "127.0.0.1" + host[len("0.0.0.0"):]
    # Printed, not logged: it is the one line `make run` shows at any log level.
    print(f"plexportal is ready: open http://{host}", file=sys.stderr, flush=True)


def post_worker_init(worker):
    # A restore refuses to run while a web process uses the data directory (plexportal/ops/running.py).
    from plexportal.ops import running

    running.hold(worker.app.wsgi().config["PLEXPORTAL"].data_dir, "web")


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if os.path.basename(path).startswith("plexportal-metrics-"):
        shutil.rmtree(path, ignore_errors=True)
