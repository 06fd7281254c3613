"""What a process does once when it starts, and create_app does not: logging (with the Logs page's
store) and the queue's tables. wsgi.py calls it (gunicorn and every `flask --app wsgi` command),
as does the worker (plexportal/worker.py); the tests call it for each app they build."""
from __future__ import annotations

import gc
import logging

from flask import Flask

from plexportal import queue
from plexportal.ops import logstore

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def start(app: Flask, process: str | None = None) -> None:
    config = app.config["PLEXPORTAL"]
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    logstore.install(config, process)          # the Logs page's store (redacted, bounded)
    queue.create_tables()


def settle() -> None:
    """Called once a process has built its app (wsgi.py, worker.py). Everything loaded by then
    lives as long as the process, so the garbage collector stops walking it: a full collection
    over the app's objects took 16–56 ms, and landed on whichever request was running."""
    gc.collect()
    gc.freeze()
