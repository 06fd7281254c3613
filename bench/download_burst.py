"""Does the worker keep up with the web? A burst of Sonarr Download webhooks (many shows, each with
its requester and some followers) sent back to back, against real processes on 127.0.0.1: gunicorn
(1 gthread worker, 8 threads) and the Huey consumer as shipped (`--workers 2 --worker-type
thread`), SQLite by default.

    .venv/bin/python bench/download_burst.py [--downloads 10000] [--shows 100] [--clients 16]
        [--database-url postgresql://…/bench_burst --redis-url redis://127.0.0.1:6379/N --consumers 2]

Reports the rate the web accepted them, when the worker had processed the last one (seconds after
the last request was answered) and the worker's rate over the whole burst, with the CPU time per
Download of each process. Each show's requester and followers are set up first (Seerr webhooks,
then followers through the app's models); every Download is a new episode.
"""
from __future__ import annotations

import argparse
import base64
import http.client
import json
import multiprocessing as mp
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.webhook_ingest import cpu_seconds
from tests.media.processes import BIN, SECRET_KEY, Stack

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "media"
SECRET = "bench-webhook-secret"
AUTH = {"Authorization": "Basic " + base64.b64encode(f"sonarr:{SECRET}".encode()).decode(),
        "Content-Type": "application/json"}


def show_ids(i: int) -> tuple[int, int]:
    return 700000 + i, 600000 + i                        # tvdb, tmdb


def send(url: str, path: str, bodies: list[bytes], out: mp.Queue) -> None:
    host, port = url.rsplit("/", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    ok = errors = 0
    for body in bodies:
        try:
            conn.request("POST", path, body=body, headers=AUTH)
            response = conn.getresponse()
            response.read()
            ok += response.status == 200
            errors += response.status != 200
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
    out.put((ok, errors, time.time()))


def burst(url: str, path: str, bodies: list[bytes], clients: int) -> tuple[int, int, float, float]:
    out: mp.Queue = mp.Queue()
    procs = [mp.Process(target=send, args=(url, path, bodies[i::clients], out)) for i in range(clients)]
    t0 = time.time()
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    return sum(r[0] for r in results), sum(r[1] for r in results), t0, max(r[2] for r in results)


class PgRedisStack(Stack):
    """The scale-out configuration: PostgreSQL + Redis, one web and `consumers` worker processes."""

    def __init__(self, data_dir, database_url, redis_url, consumers):
        super().__init__(data_dir, worker=False)
        self.database_url, self.redis_url, self.consumers = database_url, redis_url, consumers

    def env(self) -> dict:
        env = super().env()
        env.update(PLEXPORTAL_DATABASE_URL=self.database_url, PLEXPORTAL_REDIS_URL=self.redis_url)
        return env

    def start(self):
        for n in range(self.consumers):
            self._spawn(f"worker{n}", [str(BIN / "huey_consumer"), "plexportal.worker.huey", "--workers", "2",
                                        "--worker-type", "thread", "--flush-locks"])
        return super().start()


def unprocessed(app) -> int:
    from plexportal.db import db
    from plexportal.media.models import WebhookEvent

    with app.app_context(), db.connection_context():
        return WebhookEvent.select().where(WebhookEvent.status == "received").count()


def empty_and_migrate(database_url: str) -> None:
    """Inside an app context: a PostgreSQL database is emptied first (never point a bench at a
    database you use), then the app's migrations run."""
    from plexportal.cli import upgrade
    from plexportal.db import db

    db.connect(reuse_if_open=True)
    if database_url and db.get_tables():
        db.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    upgrade()
    db.connect(reuse_if_open=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--downloads", type=int, default=10000)
    parser.add_argument("--shows", type=int, default=100)
    parser.add_argument("--max-followers", type=int, default=10)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--consumers", type=int, default=2, help="worker processes (PostgreSQL + Redis only)")
    args = parser.parse_args()
    rng = random.Random(17)

    from tests.fakes.smtp import SmtpServer

    smtp = SmtpServer().start()
    data = Path(tempfile.mkdtemp(prefix="bench-burst-"))
    settings = {"WEBHOOK_SECRET": SECRET, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port),
                "SMTP_SECURITY": "none", "SMTP_FROM": "portal@example.com", "AVAILABILITY_CHECK": "none",
                "BATCH_INITIAL_DELAY": "30", "BATCH_EXTEND_DELAY": "10", "BATCH_MAX_WAIT": "300",
                "BASE_URL": "http://portal.example.com"}
    from plexportal import create_app
    from plexportal.config import Config
    from plexportal.db import db

    cfg = Config(data_dir=data, secret_key=SECRET_KEY, huey_immediate=True)
    if args.database_url:
        # The script empties this database and Redis database: never point it at one you use.
        cfg.database_url = args.database_url
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()
    app = create_app(cfg)
    with app.app_context():
        empty_and_migrate(args.database_url)
        from plexportal.settings import service as settings_service

        settings_service.set_many(settings)
        db.close()
    stack = (PgRedisStack(data, args.database_url, args.redis_url, args.consumers) if args.database_url
             else Stack(data)).start()
    try:
        # Requests: one Seerr webhook per show, each with its requester.
        seerr = json.loads((FIXTURES / "seerr_media_approved_tv.json").read_text())
        bodies = []
        for i in range(args.shows):
            tvdb, tmdb = show_ids(i)
            body = json.loads(json.dumps(seerr))
            body["media"].update(tvdbId=str(tvdb), tmdbId=str(tmdb))
            body["request"].update(request_id=str(1000 + i), requestedBy_email=f"viewer{i}@example.com",
                                   requestedBy_username=f"viewer{i}")
            body["extra"] = []
            bodies.append(json.dumps(body).encode())
        burst(stack.url, "/webhooks/seerr", bodies, 4)
        while unprocessed(app):
            time.sleep(0.5)
        # Followers, through the app's models: up to --max-followers other viewers per show.
        from plexportal.media import matching
        from plexportal.media.models import Follower, MediaRequest

        with app.app_context(), db.connection_context():
            from plexportal.auth.models import User

            users = list(User.select().where(User.email.startswith("viewer")))
            followers = 0
            for req in MediaRequest.select():
                for user in rng.sample(users, rng.randint(0, args.max_followers)):
                    followers += matching.add_follower(req, user)
            MediaRequest.update(updated_at=MediaRequest.created_at).execute()   # settled long ago
            followers = Follower.select().count()
        # The burst: every Download a new episode of one of the shows, shows interleaved.
        template = json.loads((FIXTURES / "sonarr_v4_download.json").read_text())
        episodes = [0] * args.shows
        bodies = []
        for n in range(args.downloads):
            i = rng.randrange(args.shows)
            episodes[i] += 1
            tvdb, tmdb = show_ids(i)
            body = json.loads(json.dumps(template))
            body["series"].update(tvdbId=tvdb, tmdbId=tmdb, title=f"Show {i}", id=i)
            body["episodes"][0].update(seasonNumber=1 + episodes[i] // 100, episodeNumber=episodes[i] % 100,
                                       id=n, title=f"Episode {episodes[i]}")
            body["downloadId"] = f"burst-{n}"
            bodies.append(json.dumps(body).encode())
        web_pid = stack.procs[-1].pid if args.database_url else stack.procs[0].pid
        worker_pids = [p.pid for p in stack.procs if p.pid != web_pid]
        cpu0 = (cpu_seconds(web_pid), sum(cpu_seconds(p) for p in worker_pids))
        ok, errors, started, last = burst(stack.url, "/webhooks/sonarr", bodies, args.clients)
        while unprocessed(app):
            time.sleep(0.1)
        drained = time.time()
        cpu = (cpu_seconds(web_pid) - cpu0[0], sum(cpu_seconds(p) for p in worker_pids) - cpu0[1])
    finally:
        stack.stop()
        smtp.stop()
    backend = (f"PostgreSQL + Redis, {args.consumers} consumer processes x 2 threads" if args.database_url
               else "SQLite, 1 consumer process x 2 threads")
    print("command:", " ".join([".venv/bin/python", "bench/download_burst.py", *sys.argv[1:]]))
    print(f"{backend}; {args.shows} shows, {followers} followers in all; load average "
          f"{os.getloadavg()[0]:.2f} at the end")
    print(f"accepted {ok} of {args.downloads} ({errors} errors) in {last - started:.1f} s: "
          f"{ok / (last - started):.0f}/s from {args.clients} clients")
    print(f"all processed {drained - last:.1f} s after the last request was answered; worker rate over the burst "
          f"{ok / (drained - started):.0f}/s")
    print(f"CPU per Download: web {cpu[0] / ok * 1000:.2f} ms, worker {cpu[1] / ok * 1000:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
