"""Every admin page and API list on a big server's database: 1,000,000 messages, 100,000
webhooks, 5,000 people, 20,000 requests, ten years of nightly backup runs, 100,000 audit entries,
written through the app's models (bench/selfbackup.py's generator for the first four).

    .venv/bin/python bench/pages_at_scale.py [--messages 1000000] [--requests 20000] [--audit 100000]
        [--rounds 20] [--reuse DIR] [--database-url postgresql://…/bench_pages]

Times each GET page that takes no arguments (and one detail page per kind) through the app in
this process (the server time, without the network): wall and CPU time, p50 and p95 over --rounds
requests after one warm-up, and the size of the HTML (or JSON) sent. Goal: p95 under 50 ms and
under 200 KB. On a busy machine wall time measures the machine; CPU time is the steadier figure.
--reuse DIR times a database built before (the build prints its directory). SQLite by default;
--database-url builds and times a PostgreSQL database instead (the build empties it first: never
point it at one you use; with --reuse, the same URL times what an earlier build left there).
"""
from __future__ import annotations

import argparse
import os
import random
import shlex
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import selfbackup

PASSWORD = "bench-admin-password-1"
API_KEY = "bench-api-key-0123456789abcdef"
SKIP = ("/static", "/auth/logout", "/webhooks/", "/join", "/metrics", "/auth/oidc", "/auth/plex",
        "/healthz", "/readyz")


def build(data: Path, args) -> None:
    from plexportal.db import db

    start = datetime(2025, 5, 1, tzinfo=UTC)
    t0 = time.perf_counter()
    selfbackup.generate(data, args)
    app = selfbackup.app_for(data, args.database_url)
    with app.app_context():
        db.connect(reuse_if_open=True)
        _requests(args, start)
        _audit(args, start)
        from plexportal.auth import service as auth
        from plexportal.settings import service as settings

        auth.create_admin("admin", PASSWORD, "admin@example.com")
        settings.set_many({"API_KEY": API_KEY})
        # What a running server's autovacuum has long done: without it PostgreSQL reads the
        # table behind every index entry of a freshly written million rows.
        db.execute_sql("VACUUM ANALYZE" if args.database_url else "ANALYZE")
        db.close()
        if hasattr(db.obj, "close_all"):
            db.obj.close_all()
    print(f"built in {time.perf_counter() - t0:.0f} s: {data}", flush=True)


def _requests(args, start: datetime) -> None:
    from plexportal.auth.models import User
    from plexportal.db import db
    from plexportal.media.models import Follower, MediaRequest

    rnd = random.Random(20)
    people = [u for (u,) in User.select(User.id).tuples()]
    statuses = ["available"] * 6 + ["approved"] * 2 + ["pending", "declined"]
    with db.atomic():
        for chunk in range(0, args.requests, 2000):
            rows = []
            for i in range(chunk, min(args.requests, chunk + 2000)):
                at = start + timedelta(minutes=26 * i)
                tv = i % 3 != 0
                rows.append(dict(seerr_request_id=i + 1, media_type="tv" if tv else "movie", tmdb_id=100000 + i,
                                 tvdb_id=300000 + i if tv else None, title=f"Title {i}", year=1990 + i % 35,
                                 status=rnd.choice(statuses), requested_by=rnd.choice(people), seasons=[1] if tv else [],
                                 origin="webhook", created_at=at, updated_at=at, overview="An overview. " * 10))
            MediaRequest.insert_many(rows).execute()
        ids = [(r, u) for r, u in MediaRequest.select(MediaRequest.id, MediaRequest.requested_by).tuples()]
        for chunk in range(0, len(ids), 5000):
            Follower.insert_many([dict(request=r, user=u, role="requester", created_at=start)
                                  for r, u in ids[chunk:chunk + 5000]]).execute()


def _audit(args, start: datetime) -> None:
    from plexportal.admin.models import AuditEntry
    from plexportal.db import db

    actions = ["settings.changed", "invite.created", "access.removed", "backup.run", "user.signed_in"]
    with db.atomic():
        for chunk in range(0, args.audit, 5000):
            AuditEntry.insert_many([dict(at=start + timedelta(minutes=5 * i), actor_label="admin",
                                         action=actions[i % 5], message=f"Change number {i}", ip="127.0.0.1")
                                    for i in range(chunk, min(args.audit, chunk + 5000))]).execute()


def pages(app) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or rule.rule.startswith(SKIP):
            continue
        urls.append(rule.rule)
    from plexportal.backups.models import BackupRun
    from plexportal.db import db
    from plexportal.media.models import MediaRequest, WebhookEvent
    from plexportal.notify.models import Notification

    with app.app_context(), db.connection_context():
        details = {"/media/requests/{}": MediaRequest, "/media/inbox/{}": WebhookEvent,
                   "/notify/{}/attempts": Notification, "/backups/runs/{}": BackupRun}
        for pattern, model in details.items():
            row = model.select(model.id).order_by(model.id.desc()).first()
            if row is not None:
                urls.append(pattern.format(row.id))
    return sorted(set(urls))


def time_pages(data: Path, rounds: int, database_url: str = "") -> list[tuple]:
    from plexportal import processes

    app = selfbackup.app_for(data, database_url)
    processes.settle()                          # as wsgi.py does once the app is built
    client = app.test_client()
    r = client.get("/auth/login")
    import re

    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', r.get_data(as_text=True))
    r = client.post("/auth/login", data={"username": "admin", "password": PASSWORD,
                                         "csrf_token": token.group(1) if token else ""})
    if r.status_code not in (302, 303):
        raise SystemExit(f"could not sign in: {r.status_code}")
    out = []
    for url in pages(app):
        headers = {"X-Api-Key": API_KEY} if url.startswith("/api/") else {}
        times, cpu = [], []
        status, size = 0, 0
        for n in range(rounds + 1):
            t, c = time.perf_counter(), time.process_time()
            resp = client.get(url, headers=headers)
            body = resp.get_data()
            if n:
                times.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
            status, size = resp.status_code, len(body)
        out.append((url, status, pct(times, .5), pct(times, .95), pct(cpu, .5), pct(cpu, .95), size))
    return out


def _size(data: Path, database_url: str) -> str:
    if not database_url:
        return f"SQLite, {(data / 'plexportal.db').stat().st_size / 1e6:.0f} MB"
    app = selfbackup.app_for(data, database_url)
    from plexportal.db import db

    with app.app_context(), db.connection_context():
        size = db.execute_sql("SELECT pg_database_size(current_database())").fetchone()[0]
    return f"PostgreSQL, {size / 1e6:.0f} MB"


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--webhooks", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--audit", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--reuse", default="")
    parser.add_argument("--database-url", default="", help="PostgreSQL instead of SQLite (emptied by the build)")
    args = parser.parse_args()
    import logging

    logging.getLogger("huey").setLevel(logging.WARNING)
    if args.reuse:
        data = Path(args.reuse)
    else:
        data = Path(tempfile.mkdtemp(prefix="bench-pages-"))
        build(data, args)
    results = time_pages(data, args.rounds, args.database_url)
    print("command:", shlex.join([".venv/bin/python", "bench/pages_at_scale.py", *sys.argv[1:]]))
    print(f"{_size(data, args.database_url)}; load average "
          f"{os.getloadavg()[0]:.1f}; {args.rounds} requests per page")
    # Wall time depends on what else runs on the machine; CPU time (this process: the app, and the
    # test client's small share) does not.
    print("| page | status | wall p50 | wall p95 | CPU p50 | CPU p95 | size | |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for url, status, p50, p95, c50, c95, size in results:
        over = [w for w, bad in (("slow", c95 >= 50), ("large", size >= 200_000)) if bad]
        print(f"| `{url}` | {status} | {p50:.1f} ms | {p95:.1f} ms | {c50:.1f} ms | {c95:.1f} ms "
              f"| {size / 1000:.0f} KB | {' '.join(over)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
