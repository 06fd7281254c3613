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
