"""The embedded queue survives a power cut: WAL with synchronous=NORMAL, never OFF. Its tables are
made where a process starts, not by every create_app."""
from plexportal import create_app, processes, queue
from plexportal.config import Config
from plexportal.queue import _build


def test_it_keeps_the_sqlite_queue_crash_safe(tmp_path):
    huey = _build(Config(data_dir=tmp_path))
    conn = huey.storage.conn
    assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert conn.execute("pragma synchronous").fetchone()[0] == 1      # NORMAL; 0 (OFF) can corrupt it
    assert (tmp_path / "huey.db").exists()


def test_it_keeps_a_task_enqueued_by_one_process_for_another(tmp_path):
    sender, receiver = _build(Config(data_dir=tmp_path)), _build(Config(data_dir=tmp_path))
    sender.storage.initialize_schema()                  # what processes.start does

    @sender.task(name="probe")
    def probe(x):
        return x

    probe(41)
    assert receiver.pending_count() == 1


def test_building_the_app_leaves_the_queue_alone_until_the_process_starts(tmp_path):
    config = Config(data_dir=tmp_path)
    app = create_app(config)
    assert not config.huey_db_path.exists()
    processes.start(app)
    assert queue.huey.instance.pending_count() == 0            # the tables are there: no error
    assert config.huey_db_path.exists()


# -- waking the consumer ---------------------------------------------------------------------------
# A waiting consumer is woken by the enqueue itself, or at the scheduled task's due time, not at
# its next poll. The waits below are set to a minute, so a wake-up that did not happen cannot pass
# for one that did; the figures for how soon are in bench/webhook_ingest.py.

import threading
import time
from datetime import timedelta

import pytest
from huey.utils import utcnow

LONG = 60.0


def _waiting_dequeue(storage):
    """A consumer's loop on a thread (ask, and ask again at once when a wait ends with nothing,
    as Huey's worker does with a blocking queue); returns (thread, result box)."""
    box: dict = {}

    def run():
        deadline = time.monotonic() + LONG / 2
        while time.monotonic() < deadline:
            data = storage.dequeue()
            if data is not None:
                box["data"], box["at"] = data, time.monotonic()
                return

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box


def _storages(kind, tmp_path, monkeypatch):
    if kind == "sqlite":
        build = lambda: _build(Config(data_dir=tmp_path))
    else:
        from tests.conftest import REDIS_URL

        redis = pytest.importorskip("redis")
        try:
            redis.Redis.from_url(REDIS_URL).ping()
        except redis.exceptions.ConnectionError:
            pytest.skip("no Redis on 127.0.0.1")
        build = lambda: _build(Config(data_dir=tmp_path, redis_url=REDIS_URL))
    worker, web = build().storage, build().storage
    if kind == "sqlite":
        worker.initialize_schema()                      # what processes.start does
    monkeypatch.setattr(type(worker), "MAX_WAIT", LONG)
    worker.flush_queue()
    worker.flush_schedule()
    return worker, web


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_it_wakes_a_waiting_consumer_when_another_process_enqueues(kind, tmp_path, monkeypatch):
    worker, web = _storages(kind, tmp_path, monkeypatch)
    thread, box = _waiting_dequeue(worker)
    time.sleep(0.3)                                     # the consumer is waiting now
    assert thread.is_alive() and "data" not in box
    web.enqueue(b"task-from-the-web")
    thread.join(LONG / 2)
    assert box.get("data") == b"task-from-the-web"


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_it_runs_a_scheduled_task_at_its_time_without_the_scheduler(kind, tmp_path, monkeypatch):
    worker, web = _storages(kind, tmp_path, monkeypatch)
    started = time.monotonic()                          # before the due time is taken: a slow
    web.add_to_schedule(b"send-the-batch", utcnow() + timedelta(seconds=1))   # add cannot shorten it
    thread, box = _waiting_dequeue(worker)
    thread.join(LONG / 2)
    assert box.get("data") == b"send-the-batch"
    assert box["at"] - started >= 0.9                   # not before its time
    assert worker.schedule_size() == 0                  # taken from the schedule once


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_it_shortens_a_wait_when_an_earlier_task_is_scheduled(kind, tmp_path, monkeypatch):
    worker, web = _storages(kind, tmp_path, monkeypatch)
    started = time.monotonic()
    thread, box = _waiting_dequeue(worker)              # nothing due: waits the long wait
    time.sleep(0.3)
    web.add_to_schedule(b"due-soon", utcnow() + timedelta(seconds=0.5))
    thread.join(LONG / 2)
    assert box.get("data") == b"due-soon" and box["at"] - started < LONG / 4


def test_it_forgets_the_wake_up_socket_of_a_consumer_that_died(tmp_path):
    from plexportal.lib.doorbell import Doorbell

    directory = tmp_path / "queue-wake"
    directory.mkdir()
    import socket

    dead = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    dead.bind(str(directory / "gone-1.sock"))
    dead.close()                                        # the file stays; nobody reads it
    Doorbell(directory).ring()
    assert not (directory / "gone-1.sock").exists()


def test_it_still_waits_for_work_under_a_data_dir_with_a_very_long_path(tmp_path, monkeypatch):
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    worker, web = _storages("sqlite", deep, monkeypatch)
    thread, box = _waiting_dequeue(worker)
    time.sleep(0.3)
    web.enqueue(b"deep")
    thread.join(LONG / 2)
    assert box.get("data") == b"deep"
