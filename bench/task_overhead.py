"""What a webhook task costs the worker when it has nothing to do (its Download was taken by a
batch): Huey's dequeue and execution, the app context, the status look-up, and the record of the
run the worker keeps for the Jobs page. In one process, no web, tasks run one after another.

    .venv/bin/python bench/task_overhead.py [--tasks 2000] [--no-jobs]
        [--database-url postgresql://…/bench_tasks --redis-url redis://127.0.0.1:6379/N]

The PostgreSQL database and the Redis database are emptied first: never point them at ones you use.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--no-jobs", action="store_true", help="without the record of each run")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis-url", default="")
    args = parser.parse_args()

    from plexportal import create_app, queue
    from plexportal.cli import upgrade
    from plexportal.config import Config
    from plexportal.db import db

    cfg = Config(data_dir=Path(tempfile.mkdtemp(prefix="bench-tasks-")), secret_key="x" * 32,
                 database_url=args.database_url, redis_url=args.redis_url)
    if args.redis_url:
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()
    app = create_app(cfg)
    queue.bind_app(app)
    with app.app_context():
        db.connect(reuse_if_open=True)
        if args.database_url and db.get_tables():
            db.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        upgrade()
        db.close()
    queue.create_tables()
    h = queue.huey.instance
    if not args.no_jobs:
        from plexportal.ops import jobs

        jobs.install(h)
    from plexportal.media.tasks import process_webhook_task

    for i in range(args.tasks):
        process_webhook_task(10**6 + i)              # no such webhook: nothing to do
    cpu0, wall0, done = time.process_time(), time.perf_counter(), 0
    while (task := h.dequeue()) is not None:
        h.execute(task)
        done += 1
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    print("command:", " ".join([".venv/bin/python", "bench/task_overhead.py", *sys.argv[1:]]))
    print(f"{done} tasks: CPU {cpu / done * 1000:.2f} ms per task (wall {wall / done * 1000:.2f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
