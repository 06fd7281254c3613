"""plexportal's own backup and restore of a database holding a year of realistic data: 100k
webhooks (real Sonarr/Radarr/Seerr bodies), 1M messages (ready-to-watch rows with their payloads,
admin alerts with text and HTML bodies, a delivery for each one that failed once), 5k people and
ten years of nightly Plex backup runs with log excerpts. SQLite, as most installs run it.

    .venv/bin/python bench/selfbackup.py [--messages 1000000] [--webhooks 100000] [--people 5000] [--years 10]

Prints the command, the database size, then for the backup (`flask data backup`'s code path) and
for the restore into an empty data dir: wall time and the peak RSS of the process doing it (each
runs in a child process of its own, so one does not inherit the other's memory). Goal: the backup
under 30 s and 150 MB RSS on the 2-core machine."""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SECRET = "bench-secret-key-0123456789abcdef"


def app_for(data: Path, database_url: str = ""):
    from plexportal import create_app
    from plexportal.config import Config

    config = Config(data_dir=data, secret_key=SECRET, huey_immediate=True)
    if database_url:
        config.database_url = database_url
    return create_app(config)


def generate(data: Path, args) -> None:
    from plexportal.cli import upgrade
    from plexportal.db import db

    start = datetime(2025, 5, 1, tzinfo=UTC)
    database_url = getattr(args, "database_url", "")
    app = app_for(data, database_url)
    with app.app_context():
        if database_url:
            # The caller empties this PostgreSQL database: never point it at one you use.
            db.connect(reuse_if_open=True)
            db.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        upgrade()
        db.connect(reuse_if_open=True)
        if not database_url:
            db.execute_sql("PRAGMA synchronous=OFF")
        _people(args, start)
        _webhooks(args, start)
        _messages(args, start)
        _backup_runs(args, random.Random(15))
        db.close()
        if hasattr(db.obj, "close_all"):
            db.obj.close_all()


def _people(args, start: datetime) -> None:
    from plexportal.auth.models import User
    from plexportal.db import db

    with db.atomic():
        User.insert_many([{"username": f"person{i}", "email": f"person{i}@example.com", "display_name": f"Person {i}",
                           "role": "user", "plex_user_id": 100_000 + i, "plex_username": f"plex{i}",
                           "created_at": start + timedelta(minutes=i)} for i in range(args.people)]).execute()


def _webhooks(args, start: datetime) -> None:
    from plexportal.db import db
    from plexportal.media.models import WebhookEvent

    bodies = [(p.stem.split("_")[0], p.read_text()) for p in sorted((ROOT / "tests" / "fixtures" / "media").glob("*.json"))
              if "download" in p.name or "available" in p.name or "grab" in p.name]
    with db.atomic():
        for chunk in range(0, args.webhooks, 5000):
            rows = []
            for i in range(chunk, min(chunk + 5000, args.webhooks)):
                source, body = bodies[i % len(bodies)]
                body = body.replace('"id": 1', f'"id": {i}', 1) + " " * (i % 7)
                at = start + timedelta(seconds=i * 315)
                rows.append({"source": source, "dedup_key": f"{i:064x}", "body": body, "event_type": "Download",
                             "status": "processed", "outcome": "2 followers told", "attempts": 1,
                             "received_at": at, "processed_at": at + timedelta(seconds=2)})
            WebhookEvent.insert_many(rows).execute()


def _messages(args, start: datetime) -> None:
    from plexportal.db import db
    from plexportal.notify.models import Delivery, Notification

    with db.atomic():
        for chunk in range(0, args.messages, 10_000):
            rows = []
            for i in range(chunk, min(chunk + 10_000, args.messages)):
                at = start + timedelta(seconds=i * 31)
                alert = i % 10 == 0
                rows.append({
                    "kind": "admin.alert" if alert else "media.ready", "audience": "admin" if alert else "user",
                    "user": None if alert else 1 + i % args.people, "channel": "email" if i % 4 else "apprise",
                    "destination": f"person{i % args.people}@example.com",
                    "subject": "Backup failed on Harbour Server (rsync code 23)" if alert else f"Ready to watch: Show {i % 900} S01E0{i % 9}",
                    "text_body": ("The backup failed.\n" * 30) if alert else "",
                    "html_body": ("<p>The backup failed.</p>" * 60) if alert else "",
                    "payload": None if alert else {
                        "media_type": "tv", "title": f"Show {i % 900}", "year": 2020 + i % 6,
                        "poster_url": f"https://image.tmdb.org/t/p/w300/{i % 900:08d}.jpg",
                        "overview": "A quiet harbour town keeps a secret for one more winter. " * 2,
                        "ids": {"tmdb": 1000 + i % 900, "tvdb": 70000 + i % 900, "imdb": f"tt{i % 900:07d}"},
                        "request_id": i % 4000, "items": [{"season": 1, "episode": e, "title": f"Episode {e}"}
                                                          for e in range(1, 2 + i % 3)],
                        "watch_url": f"https://app.plex.tv/desktop#!/server/abc/details?key=%2Flibrary%2Fmetadata%2F{i}"},
                    "dedup_key": f"msg:{i}", "group_key": f"ready:{i % 4000}", "status": "sent" if i % 50 else "failed",
                    "send_after": at, "first_item_at": at, "attempts": 1 + (i % 50 == 0), "claimed_at": at,
                    "sent_at": at + timedelta(seconds=3), "created_at": at,
                    "last_error": "" if i % 50 else "SMTP said 451 try again later"})
            Notification.insert_many(rows).execute()
        failed = [{"notification": i + 1, "at": start + timedelta(seconds=i * 31), "ok": False,
                   "error": "SMTP said 451 try again later"} for i in range(0, args.messages, 50)]
        for chunk in range(0, len(failed), 10_000):
            Delivery.insert_many(failed[chunk:chunk + 10_000]).execute()


def _backup_runs(args, rnd: random.Random) -> None:
    from plexportal.backups.models import BackupRun
    from plexportal.db import db

    with db.atomic():
        excerpt = "\n".join(["Metadata/TV Shows/file.jpg"] * 20 + ["sent 24,102,331 bytes  received 2,202 bytes",
                                                                    "total size is 8,102,331,222  speedup is 336.12"])
        first = date.today() - timedelta(days=365 * args.years)
        rows = []
        for d in range(365 * args.years):
            day = first + timedelta(days=d)
            begun = datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC)
            rows.append({"key": f"log:{day}", "source": "log", "day": day, "started_at": begun,
                         "finished_at": begun + timedelta(minutes=7), "duration_seconds": 420 + rnd.randint(0, 90),
                         "status": "success" if d % 40 else "failed", "exit_code": 0 if d % 40 else 23,
                         "sent_bytes": 24_000_000 + d, "received_bytes": 2202, "total_size_bytes": 8_000_000_000 + d * 1000,
                         "files_transferred": 100 + d % 50, "excerpt": excerpt, "updated_at": begun})
        for chunk in range(0, len(rows), 2000):
            BackupRun.insert_many(rows[chunk:chunk + 2000]).execute()


def child(phase: str, data: Path, target: Path) -> None:
    """One measured operation in a process of its own; prints a JSON line."""
    started = time.monotonic()
    if phase == "backup":
        from plexportal.db import db
        from plexportal.ops import backup

        app = app_for(data)
        with app.app_context():
            result = backup.create_backup(db.obj, target, secret_key=SECRET, kind="cli")
        out = {"size": result.size, "rows": result.rows, "path": str(result.path)}
    else:
        from plexportal.db import db
        from plexportal.ops import restore

        app = app_for(target)
        with app.app_context():
            result = restore.restore(Path(data), database=db.obj, data_dir=target, env_secret_key=None, echo=lambda s: None)
        out = {"rows": sum(result.counts.values())}
    out["seconds"] = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out["cpu"] = usage.ru_utime + usage.ru_stime        # all threads; steadier than wall time on a shared machine
    out["rss_mb"] = peak_rss_mb()
    print(json.dumps(out))


def peak_rss_mb() -> float:
    """VmHWM: this process's peak RSS. (ru_maxrss would carry over the generating parent's peak,
    which Linux keeps across fork and exec.)"""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(phase: str, a: Path, b: Path) -> dict:
    done = subprocess.run(check=False, args=[sys.executable, __file__, "--child", phase, str(a), str(b)], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stdout + done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--webhooks", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--child", nargs=3, metavar=("PHASE", "A", "B"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return 0
    print("$ .venv/bin/python bench/selfbackup.py " + " ".join(shlex.quote(a) for a in sys.argv[1:]))
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    work = Path(tempfile.mkdtemp(prefix="bench-selfbackup-"))
    data = work / "data"
    data.mkdir()
    t = time.monotonic()
    generate(data, args)
    size = (data / "plexportal.db").stat().st_size
    print(f"generated {args.people} people, {args.webhooks} webhooks, {args.messages} messages, "
          f"{365 * args.years} backup runs in {time.monotonic() - t:.0f} s: database {size / 1e6:.0f} MB")
    out = work / "out"
    b = run_child("backup", data, out)
    print(f"backup:  {b['seconds']:6.1f} s wall, {b['cpu']:5.1f} s CPU  peak RSS {b['rss_mb']:5.0f} MB  "
          f"archive {b['size'] / 1e6:.0f} MB, {b['rows']} rows")
    fresh = work / "restored"
    fresh.mkdir()
    r = run_child("restore", Path(b["path"]), fresh)
    print(f"restore: {r['seconds']:6.1f} s wall, {r['cpu']:5.1f} s CPU  peak RSS {r['rss_mb']:5.0f} MB  "
          f"{r['rows']} rows (into an empty data dir)")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"(work files in {work}; delete when done)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
