"""The peer's (RePlexOn's) backup log import, run on a log for bench/backups_import.py.

    PYTHON bench/peer_replexon.py PEER_DIR /tmp/bench/y1/plex-backup.log [--truth truth.jsonl]

PYTHON is an interpreter with SQLAlchemy 2 (the peer's ORM; plexportal does not use it). PEER_DIR
holds three files of the peer's repository, unchanged except as noted: app/services/log_parser.py,
app/services/timefmt.py (its zone and conversion functions) and app/models/backup.py (plus a
nullable `db_safe` column, which that log_parser.py sets). This file supplies the rest as the peer
sets it up: settings with a data dir, SQLite in WAL mode, the `timezone` app setting.

It does what the peer's import does: extract_stats_file() (`grep -F … | grep -E …` into a stats
file), then parse_full_log() (a run per tracking-file line, then those runs enriched from the stats
file). The zone is America/New_York both as the app setting and as TZ, without which the peer's
strptime("%Z") reads no EST/EDT date. With --truth (bench/backups_genlog.py --truth) it prints how
many nights the peer stored right: status (its success/failure), end time and total size."""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import types
from datetime import UTC, datetime
from pathlib import Path

ZONE = "America/New_York"


def install_stubs(data_dir: str) -> None:
    from sqlalchemy import create_engine, event
    from sqlalchemy.orm import DeclarativeBase, sessionmaker

    config = types.ModuleType("app.config")
    config.settings = types.SimpleNamespace(data_dir=data_dir, database_url=f"sqlite:///{data_dir}/replexon.db",
                                            debug=False)
    sys.modules["app.config"] = config
    engine = create_engine(config.settings.database_url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    database = types.ModuleType("app.database")

    class Base(DeclarativeBase):
        pass

    database.engine, database.Base = engine, Base
    database.SessionLocal = sessionmaker(bind=engine, autocommit=False, autoflush=False)
    sys.modules["app.database"] = database
    app_settings = types.ModuleType("app.services.app_settings")
    app_settings.get_setting = lambda db, key: ZONE if key == "timezone" else ""
    sys.modules["app.services.app_settings"] = app_settings


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("peer", type=Path)
    ap.add_argument("log", type=Path)
    ap.add_argument("--truth", type=Path, default=None)
    args = ap.parse_args()
    os.environ["TZ"] = ZONE
    time.tzset()
    sys.path.insert(0, str(args.peer.resolve()))
    install_stubs(tempfile.mkdtemp(prefix="replexon-bench-"))
    from app.database import Base, SessionLocal, engine
    from app.models.backup import BackupRun
    from app.services import log_parser

    Base.metadata.create_all(engine)
    t0, c0 = time.perf_counter(), time.process_time()
    extract = log_parser.extract_stats_file(str(args.log.resolve()))
    db = SessionLocal()
    count = log_parser.parse_full_log(db, str(args.log.resolve()))
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    runs = db.query(BackupRun).filter(BackupRun.backup_type == "daily_mirror").all()
    print(f"{count} row(s), {len(runs)} nightly run(s) in {wall:.2f} s (its own CPU {cpu:.2f} s, plus grep's); "
          f"extract: {extract}")
    if args.truth:
        nights = [json.loads(line) for line in args.truth.read_text().splitlines()]
        by_day = {}
        for run in runs:
            local = run.started_at.replace(tzinfo=UTC).astimezone(datetime.now().astimezone().tzinfo)
            by_day[local.date().isoformat()] = run
        right = {"status": 0, "finished_at": 0, "total_size_bytes": 0, "all": 0}
        for night in nights:
            run = by_day.get(night["day"])
            if run is None:
                continue
            checks = {
                "status": run.status == ("success" if night["status"] == "success" else "failure"),
                "finished_at": run.finished_at is not None and run.finished_at.replace(tzinfo=UTC).isoformat()
                == night["finished_at"],
                "total_size_bytes": run.total_size_bytes == night["total_size_bytes"]}
            for key, ok in checks.items():
                right[key] += ok
            right["all"] += all(checks.values())
        print(f"right of {len(nights)} nights: " + ", ".join(f"{k} {v}" for k, v in right.items()))


if __name__ == "__main__":
    main()
