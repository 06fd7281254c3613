"""gunicorn settings shared by `make run`, Docker and systemd: `gunicorn -c gunicorn.conf.py wsgi:app`.

One gthread worker with 8 threads by default: the login throttle's in-memory store is then exact.
With PLEXPORTAL_REDIS_URL set the throttle lives in Redis, and WEB_CONCURRENCY may raise the
number of worker processes. Anything else can be given in GUNICORN_CMD_ARGS.
"""
import os
import shutil
import tempfile

from dotenv import load_dotenv

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


def when_ready(server):
    host = bind[0]
    if host.startswith(("unix:", "fd://")):
        return
    if host.startswith("0.0.0.0"):
        host = "127.0.0.1" + host[len("0.0.0.0"):]
    server.log.info("plexportal is ready: open http://%s", host)


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
