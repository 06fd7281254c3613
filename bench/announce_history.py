"""Worker cost of one Sonarr Download as a show's history grows: CPU, statements and memory per
Download at 0, 500, 1,000 and 2,000 earlier episodes, with 50 followers (one requester).

    .venv/bin/python bench/announce_history.py [--followers 50] [--steps 0,500,1000,2000] [--downloads 20]

Each step first fills the history through the app's models (the earlier episodes as arrivals, each
already announced to every follower, as it would be after those Downloads), then feeds --downloads
new Download webhooks through what the web and the worker do (record_webhook, process_event), one
new episode each, and reports the worker's CPU per Download, SQL statements per Download, rows
fetched per Download and the process's resident memory. SQLite in a temporary directory (or
--database-url). CPU time does not depend on other load on the machine; wall time does.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "media"
EPISODES_PER_SEASON = 100


def rss_mb(field: str = "VmRSS") -> float:
    """Resident memory now (VmRSS) or at its peak (VmHWM). Not ru_maxrss: a process started by
    another inherits its parent's peak in that figure."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


class Counter:
    """Counts statements and fetched rows through the database's cursor."""

    def __init__(self, database):
        self.statements = 0
        self.rows = 0
        original = database.execute_sql
        counter = self

        class Cursor:
            def __init__(self, cursor):
                self._c = cursor

            def fetchone(self):
                row = self._c.fetchone()
                if row is not None:
                    counter.rows += 1
                return row

            def fetchmany(self, *a):
                rows = self._c.fetchmany(*a)
                counter.rows += len(rows)
                return rows

            def fetchall(self):
                rows = self._c.fetchall()
                counter.rows += len(rows)
                return rows

            def __iter__(self):
                for row in self._c:
                    counter.rows += 1
                    yield row

            def __getattr__(self, name):
                return getattr(self._c, name)

        self.log = None

        def execute_sql(sql, params=None, *a, **kw):
            counter.statements += 1
            if counter.log is not None:
                counter.log.append(sql)
            return Cursor(original(sql, params, *a, **kw))

        database.execute_sql = execute_sql


def episode_key(n: int) -> tuple[int, int]:
    return 1 + n // EPISODES_PER_SEASON, 1 + n % EPISODES_PER_SEASON


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--followers", type=int, default=50)
    parser.add_argument("--steps", default="0,500,1000,2000")
    parser.add_argument("--downloads", type=int, default=20)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--measure", help=argparse.SUPPRESS)             # the child: a data dir
    parser.add_argument("--from", dest="start", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    import logging

    logging.getLogger("huey").setLevel(logging.WARNING)
    if args.measure:
        return measure(args)
    steps = [int(s) for s in args.steps.split(",")]

    from plexportal import create_app
    from plexportal.cli import upgrade
    from plexportal.config import Config
    from plexportal.db import db

    data = Path(tempfile.mkdtemp(prefix="bench-announce-"))
    cfg = Config(data_dir=data, secret_key="bench-secret", huey_immediate=True)
    if args.database_url:
        cfg.database_url = args.database_url
    app = create_app(cfg)
    template = json.loads((FIXTURES / "sonarr_v4_download.json").read_text())
    results: list = []
    with app.app_context():
        if args.database_url:
            db.connect(reuse_if_open=True)
            if db.get_tables():
                db.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        upgrade()
        db.connect(reuse_if_open=True)
        from plexportal.auth.models import User
        from plexportal.lib import clock
        from plexportal.media import matching
        from plexportal.media.models import Announcement, Arrival, Follower, MediaRequest
        from plexportal.notify.models import Notification
        from plexportal.settings import service as settings

        settings.set_many({"WEBHOOK_SECRET": "bench", "BATCH_INITIAL_DELAY": "60", "BATCH_MAX_WAIT": "600"})
        start = clock.now() - timedelta(days=400)
        with db.atomic():
            users = [User.create(username=f"viewer{i}", email=f"viewer{i}@example.com", role="user")
                     for i in range(args.followers)]
        series = template["series"]
        req = matching.upsert_request(seerr_request_id=1, media_type="tv", status="approved", user=users[0],
                                      tmdb_id=series["tmdbId"], tvdb_id=series["tvdbId"], title=series["title"])
        with db.atomic():
            for u in users[1:]:
                Follower.create(request=req, user=u, role="follower", created_at=start)
            # The request and its followers are as old as the history below.
            MediaRequest.update(created_at=start, updated_at=start).where(MediaRequest.id == req.id).execute()
        key = matching.media_key("tv", series["tvdbId"], series["tmdbId"])
        have = 0
        for step in steps:
            # History through the models: arrivals, each announced to everyone already.
            while have < step:
                chunk = range(have, min(step, have + 500))
                with db.atomic():
                    Arrival.insert_many([
                        dict(media_type="tv", media_key=key, season=episode_key(n)[0], episode=episode_key(n)[1],
                             title=f"Episode {n}", series_title=series["title"], tmdb_id=series["tmdbId"],
                             tvdb_id=series["tvdbId"], request=req.id, arrived_at=start + timedelta(hours=n))
                        for n in chunk]).execute()
                    Announcement.insert_many([
                        dict(request=req.id, user=u.id, season=episode_key(n)[0], episode=episode_key(n)[1],
                             at=start + timedelta(hours=n)) for n in chunk for u in users]).execute()
                have = chunk[-1] + 1
            Notification.update(status="sent", batch_key=None).where(Notification.status == "collecting").execute()
            matching.announce(MediaRequest.get_by_id(req.id))      # as after the earlier Downloads: nothing new
            if not args.database_url:
                db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")   # as a running app keeps it
            # The Downloads run in a process of their own, as in the worker: its memory is what
            # the Downloads need, not what filling the history took.
            child = [sys.executable, __file__, "--measure", str(data), "--from", str(have),
                     "--downloads", str(args.downloads), "--followers", str(args.followers)]
            if args.database_url:
                child += ["--database-url", args.database_url]
            out = subprocess.run(child, check=True, capture_output=True, text=True).stdout
            figures = json.loads(out.strip().splitlines()[-1])
            have += args.downloads
            results.append((step, figures))
    print("command:", shlex.join([sys.executable.replace(os.getcwd() + "/", ""), *sys.argv]))
    print(f"backend: {'PostgreSQL' if args.database_url else 'SQLite'}; followers: {args.followers}; "
          f"Downloads per step: {args.downloads}; load average: {os.getloadavg()[0]:.1f}")
    print("| earlier episodes | CPU per Download (mean) | CPU (median) | wall (mean) | statements | rows fetched "
          "| process peak RSS (before the Downloads) |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for step, f in results:
        print(f"| {step:,} | {f['cpu_mean']:.1f} ms | {f['cpu_median']:.1f} ms | {f['wall_mean']:.1f} ms "
              f"| {f['statements']:.0f} | {f['rows']:.0f} | {f['peak_mb']:.0f} MB ({f['before_mb']:.0f} MB) |")
    return 0


def measure(args) -> int:
    """Feed --downloads new Downloads into the database the parent filled; print one JSON line."""
    from plexportal import create_app
    from plexportal.config import Config
    from plexportal.db import db

    cfg = Config(data_dir=Path(args.measure), secret_key="bench-secret", huey_immediate=True)
    if args.database_url:
        cfg.database_url = args.database_url
    app = create_app(cfg)
    template = json.loads((FIXTURES / "sonarr_v4_download.json").read_text())
    with app.app_context():
        db.connect(reuse_if_open=True)
        from plexportal.media import service
        from plexportal.media.models import Announcement
        from plexportal.notify.models import Notification

        counter = Counter(db.obj)
        before = rss_mb()
        cpu, statements, rows, wall = [], [], [], []
        have = args.start
        for _ in range(args.downloads):
            season, episode = episode_key(have)
            body = dict(template)
            body["episodes"] = [dict(template["episodes"][0], seasonNumber=season, episodeNumber=episode,
                                     id=100000 + have, title=f"Episode {have}")]
            body["downloadId"] = f"bench-{have}"
            raw = json.dumps(body).encode()
            counter.statements = counter.rows = 0
            c0, w0 = time.process_time(), time.perf_counter()
            recorded = service.record_webhook("sonarr", raw)
            status = service.process_event(recorded.event_id)
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
            statements.append(counter.statements)
            rows.append(counter.rows)
            if status != "processed":
                raise SystemExit(f"Download at {have} episodes was {status}")
            have += 1
            # A message per Download, as when each episode is sent before the next arrives.
            Notification.update(status="sent", batch_key=None).where(Notification.status == "collecting").execute()
        told = Announcement.select().where((Announcement.season == season) & (Announcement.episode == episode)).count()
        if told != args.followers:
            raise SystemExit(f"the last Download was announced to {told} of {args.followers} followers")
    cpu.sort()
    n = len(cpu)
    print(json.dumps({"cpu_mean": sum(cpu) / n * 1000, "cpu_median": cpu[n // 2] * 1000,
                      "wall_mean": sum(wall) / n * 1000, "statements": sum(statements) / n,
                      "rows": sum(rows) / n, "before_mb": before,
                      "peak_mb": rss_mb("VmHWM")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
