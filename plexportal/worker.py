"""Consumer entry point: `huey_consumer plexportal.worker.huey`.

Building the app configures the queue and loads every area (plexportal/areas.py), whose area.py
names its task modules; the tasks bind to the queue as they are declared.
"""
import logging

from plexportal import create_app, processes
from plexportal.ops import jobs, running
from plexportal.queue import huey as _lazy
from plexportal.queue import install_startup

app = create_app()
processes.start(app)
huey = _lazy.instance
install_startup(huey)
jobs.install(huey)                          # what each task did, for the Jobs and Logs pages
running.hold(app.config["PLEXPORTAL"].data_dir, "worker")   # a restore must not run under us
# huey_consumer gives the "huey" logger its own handler; without this every line would also reach
# the root handler processes.start() installed, and be printed twice.
logging.getLogger("huey").propagate = False
processes.settle()


def _announce_ready(h) -> None:
    import sys
    import threading

    once = threading.Lock()

    @h.on_startup("plexportal-ready")
    def _ready():
        if once.acquire(blocking=False):
            registry = h._registry           # huey keeps no public list of registered tasks
            # Printed, not logged: `make run` shows only warnings from the consumer otherwise.
            print(f"plexportal worker is ready: {len(registry._registry)} kinds of task, "
                  f"{len(registry._periodic_tasks)} on a schedule", file=sys.stderr, flush=True)


_announce_ready(huey)
