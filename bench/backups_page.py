"""Server time of the Backups page with ten years of history.

    python bench/backups_page.py [--runs 3650]

Fills a fresh SQLite database with one run per night for ten years (sizes, durations, log
excerpts, a few failures), then requests /backups/ (and the history fragment) as the admin through
the WSGI app and reports the median and 95th percentile of server time (wall and CPU) of 40
requests each, and the size of the HTML sent."""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3650)
    args = ap.parse_args()
    os.environ["PLEXPORTAL_DATA_DIR"] = tempfile.mkdtemp(prefix="pp-page-")
    from plexportal import create_app
    from plexportal.auth import service as auth
    from plexportal.backups.models import BackupRun
    from plexportal.cli import upgrade
    from plexportal.db import db, db_session
    from plexportal.settings import service as settings

    app = create_app()
    rng = random.Random(3)
    with app.app_context(), db_session():
        upgrade()
        auth.create_admin("bench", "correct horse battery", "bench@example.com")
        settings.set_many({"BACKUP_SCHEDULE": "0 3 * * *", "TIMEZONE": "America/New_York",
                           "BACKUP_TIMEZONE": "America/New_York", "LOCAL_BYPASS_CIDRS": "127.0.0.1/32"})
        today = date.today()
        rows = []
        for i in range(args.runs):
            day = today - timedelta(days=args.runs - i)
            start = datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC)
            status = "success" if rng.random() > 0.03 else rng.choice(["failed", "partial"])
            seconds = rng.randint(300, 900)
            rows.append(dict(key=f"log:{i}", source="log", day=day, started_at=start,
                             finished_at=start + timedelta(seconds=seconds), duration_seconds=seconds, status=status,
                             exit_code=0 if status == "success" else 23, sent_bytes=rng.randint(10**6, 10**9),
                             received_bytes=2202, total_size_bytes=8 * 10**9 + i * 10**6, files_transferred=1234,
                             excerpt="sending incremental file list\n" + "Library/…/poster.jpg\n" * 300,
                             updated_at=start))
        with db.atomic():
            for i in range(0, len(rows), 200):
                BackupRun.insert_many(rows[i:i + 200]).execute()
    client = app.test_client()
    if os.environ.get("PROFILE") == "sql":
        import peewee
        original = peewee.SqliteDatabase.execute_sql
        spent = {}

        def timed(self, sql, params=None, *a, **kw):
            t0 = time.perf_counter()
            try:
                return original(self, sql, params, *a, **kw)
            finally:
                spent[sql[:150]] = spent.get(sql[:150], 0) + time.perf_counter() - t0
        peewee.SqliteDatabase.execute_sql = timed
        client.get("/backups/")
        spent.clear()
        client.get("/backups/")
        for sql, t in sorted(spent.items(), key=lambda x: -x[1])[:10]:
            print(f"{t * 1000:6.1f} ms  {sql}")
        return
    if os.environ.get("PROFILE"):
        import cProfile
        import pstats
        client.get("/backups/")
        cProfile.runctx("for _ in range(10): client.get('/backups/')", globals(), locals(), "/tmp/page.prof")
        pstats.Stats("/tmp/page.prof").sort_stats(os.environ["PROFILE"]).print_stats(25)
        return
    results = {}
    for name, url in (("/backups/ (whole page)", "/backups/"),
                      ("/backups/history?page=40 (htmx fragment)", "/backups/history?page=40"),
                      ("/backups/history?q=poster&status=failed", "/backups/history?q=poster&status=failed")):
        headers = {"HX-Request": "true"} if "history" in url else {}
        times, cpu = [], []
        for _ in range(41):
            t0, c0 = time.perf_counter(), time.process_time()
            r = client.get(url, headers=headers)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            assert r.status_code == 200, (url, r.status_code)
        times, cpu = times[1:], cpu[1:]         # the first request warms Jinja's template cache
        results[name] = (times, cpu, len(r.data))
    print(f"{args.runs} runs in the database")
    print("| request | CPU p50 | CPU p95 | wall p50 | wall p95 | HTML |\n|---|---:|---:|---:|---:|---:|")

    def p95(values):
        return statistics.quantiles(values, n=20)[-1] * 1000
    for name, (times, cpu, size) in results.items():
        print(f"| {name} | {statistics.median(cpu) * 1000:.1f} ms | {p95(cpu):.1f} ms | "
              f"{statistics.median(times) * 1000:.1f} ms | {p95(times):.1f} ms | {size / 1024:.0f} KB |")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("command: python bench/backups_page.py --runs", args.runs)


if __name__ == "__main__":
    main()
