"""Server time of the People page, a search and a person's page with 5,000 people.

    python bench/people_page.py [--people 5000]

Fills a fresh SQLite database with people as a big server has them (half with Plex access, a
tenth invited and waiting, the rest known from Seerr), each with an identity key or two, a request
and a message, then requests /people/ (first and last page), a search and a person's page as the
admin through the WSGI app and reports the median and worst server time of 20 requests each."""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def fill(n: int) -> int:
    from plexportal.auth.models import User
    from plexportal.db import db
    from plexportal.invites.models import Access, Invite, Redemption
    from plexportal.lib import clock
    from plexportal.media.models import Follower, MediaRequest
    from plexportal.notify.models import Notification
    from plexportal.people.models import IdentityKey

    now = clock.now()
    invite = Invite.create(code="BENCHBENCH01", libraries=[1001])
    with db.atomic():
        users = [dict(username=f"person{i}", email=f"person{i}@example.com", display_name=f"Person {i}",
                      plex_user_id=10_000 + i if i % 2 == 0 else None,
                      seerr_user_id=20_000 + i if i % 2 == 1 else None, role="user",
                      created_at=now - timedelta(minutes=i)) for i in range(n)]
        for chunk in range(0, n, 200):
            User.insert_many(users[chunk:chunk + 200]).execute()
        ids = [u.id for u in User.select(User.id).where(User.role == "user").order_by(User.id)]
        keys, access, uses, reqs = [], [], [], []
        for i, uid in enumerate(ids):
            keys.append(dict(key=f"email:person{i}@example.com", kind="email", user=uid, created_at=now))
            keys.append(dict(key=(f"plex:{10_000 + i}" if i % 2 == 0 else f"seerr:{20_000 + i}"),
                             kind="plex" if i % 2 == 0 else "seerr", user=uid, created_at=now))
            if i % 2 == 0:
                access.append(dict(plex_user_id=10_000 + i, user=uid, title=f"person{i}", pending=i % 20 == 0,
                                   libraries=[1001], joined_at=now, changed_at=now, last_seen_at=now))
            elif i % 10 == 1:
                uses.append(dict(invite=invite.id, account_key=f"name:p{i}", identifier=f"person{i}@example.com",
                                 user=uid, state="invited", terms={"libraries": [1001]}, created_at=now,
                                 updated_at=now))
            reqs.append(dict(media_type="movie", status="pending", title=f"Film {i}", requested_by=uid,
                             tmdb_id=i + 1, created_at=now, updated_at=now))
        for rows, model in ((keys, IdentityKey), (access, Access), (uses, Redemption), (reqs, MediaRequest)):
            for chunk in range(0, len(rows), 200):
                model.insert_many(rows[chunk:chunk + 200]).execute()
        follows = [dict(request=r.id, user=r.requested_by_id, role="requester", created_at=now)
                   for r in MediaRequest.select(MediaRequest.id, MediaRequest.requested_by)]
        notes = [dict(user=uid, kind="media.ready", subject="Ready", status="sent", created_at=now) for uid in ids]
        for rows, model in ((follows, Follower), (notes, Notification)):
            for chunk in range(0, len(rows), 200):
                model.insert_many(rows[chunk:chunk + 200]).execute()
    return ids[len(ids) // 2]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=5000)
    args = ap.parse_args()
    os.environ["PLEXPORTAL_DATA_DIR"] = tempfile.mkdtemp(prefix="pp-people-")
    from plexportal import create_app
    from plexportal.auth import service as auth
    from plexportal.cli import upgrade
    from plexportal.db import db_session
    from plexportal.settings import service as settings

    app = create_app()
    with app.app_context(), db_session():
        upgrade()
        auth.create_admin("bench", "correct horse battery", "bench@example.com")
        settings.set_many({"LOCAL_BYPASS_CIDRS": "127.0.0.1/32"})
        someone = fill(args.people)
    client = app.test_client()
    last = -(-args.people // 50)
    results = {}
    for name, url in (("/people/ (first page)", "/people/"), (f"/people/?page={last} (last page)", f"/people/?page={last}"),
                      ("/people/?show=waiting", "/people/?show=waiting"),
                      ("/people/?q=person12 (htmx search)", "/people/?q=person12"),
                      (f"/people/{someone} (a person's page)", f"/people/{someone}")):
        headers = {"HX-Request": "true"} if "search" in name else {}
        times, cpu = [], []
        for _ in range(21):
            t0, c0 = time.perf_counter(), time.process_time()
            r = client.get(url, headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"})
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            assert r.status_code == 200, (url, r.status_code)
        times, cpu = times[1:], cpu[1:]         # the first request warms Jinja's template cache
        results[name] = (statistics.median(times), max(times), statistics.median(cpu))
    print(f"{args.people} people in the database")
    for name, (median, worst, cpu) in results.items():
        print(f"{name}: median {median * 1000:.0f} ms, worst {worst * 1000:.0f} ms, CPU {cpu * 1000:.0f} ms (20 requests)")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("command: python bench/people_page.py --people", args.people)


if __name__ == "__main__":
    main()
