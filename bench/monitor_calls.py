"""How many upstream calls each media-health monitor makes against a large library.

    python bench/monitor_calls.py [--series 2000] [--films 2000] [--requests 200]

Fakes (real HTTP servers on 127.0.0.1, tests/fakes): Sonarr with 2,000 series and 100,000
episodes, Radarr with 2,000 films, Seerr. The queues hold one download per series (2,500 Sonarr
records: every fourth download is a two-episode pack) and per film; 20 of them cannot import and 20
are stalled; 500 imports are in the last 48 hours of history, a third of them never announced;
`--requests` titles are requested. Each monitor runs twice (the second run must act on nothing) and
the script prints calls per service, time, and what was acted on.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=2000)
    parser.add_argument("--films", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    from plexportal import create_app
    from plexportal.cli import upgrade
    from plexportal.config import Config
    from plexportal.db import db
    from plexportal.settings import service as settings
    from tests.fakes.arr import FakeRadarr, FakeSonarr
    from tests.fakes.seerr_issues import FakeSeerrIssues

    data = Path(tempfile.mkdtemp(prefix="bench-monitors-"))
    app = create_app(Config(data_dir=data, secret_key="bench", huey_immediate=True))
    sonarr, radarr, seerr = FakeSonarr(), FakeRadarr(), FakeSeerrIssues()
    t = time.perf_counter()
    for i in range(1, args.series + 1):
        sonarr.add_series(i, f"Series {i}", 300000 + i, seasons=5, per_season=10, with_files=False)
    for i in range(1, args.films + 1):
        radarr.add_movie(i, f"Film {i}", 600000 + i, has_file=i % 2 == 0, digital="2026-01-01")
    build = time.perf_counter() - t
    _fill_queues(sonarr, radarr, args)
    for fake in (sonarr, radarr, seerr):
        fake.start()
    try:
        with app.app_context():
            upgrade()
            db.connect(reuse_if_open=True)
            settings.set_many({"SONARR_URL": sonarr.url, "SONARR_API_KEY": sonarr.api_key,
                               "RADARR_URL": radarr.url, "RADARR_API_KEY": radarr.api_key,
                               "SEERR_URL": seerr.url, "SEERR_API_KEY": seerr.api_key})
            _seed_requests(args)
            episodes = sum(len(s["seasons"]) * 10 for s in sonarr.series.values())
            print(f"library: {len(sonarr.series)} series, {episodes} episodes, {len(radarr.movies)} films "
                  f"(built in {build:.1f} s); queue {len(sonarr.queue)} + {len(radarr.queue)} records; "
                  f"{args.requests} requests")
            _measure(sonarr, radarr, seerr)
    finally:
        for fake in (sonarr, radarr, seerr):
            fake.stop()
    print("command: python bench/monitor_calls.py " + " ".join(sys.argv[1:]))


def _fill_queues(sonarr, radarr, args) -> None:
    """Queues with a failed import and a stalled download every hundred series; imports to reconcile."""
    now = datetime.now(UTC)
    for i in range(1, args.series + 1):
        kw = {}
        if i % 100 == 0:
            kw = dict(status="completed", tracked_status="warning", tracked_state="importPending",
                      messages=["No files found are eligible for import in /downloads/x"])
        elif i % 100 == 1:
            kw = dict(status="warning", error_message="The download is stalled with no connections")
        sonarr.add_queue_item(i * 1000, download_id=f"S{i}", **kw)
        if i % 4 == 0:
            sonarr.add_queue_item(i * 1000 + 1, download_id=f"S{i}", **kw)
    for i in range(1, args.films + 1, 4):
        radarr.add_queue_item(i, download_id=f"R{i}")
    for i in range(1, 501):
        sonarr.add_history(3, download_id=f"H{i}", episodeId=i * 1000 + 2, seriesId=i, date=now - timedelta(hours=3))


def _seed_requests(args) -> None:
    from plexportal.auth.models import User
    from plexportal.media.models import Arrival, Follower, MediaRequest

    owner = User.create(username="friend", email="friend@example.com")
    for i in range(1, args.requests + 1):
        kind = "tv" if i % 2 else "movie"
        req = MediaRequest.create(media_type=kind, tvdb_id=300000 + i if kind == "tv" else None,
                                  tmdb_id=600000 + i if kind == "movie" else None, title=f"Title {i}",
                                  status="approved", requested_by=owner)
        Follower.create(request=req, user=owner, role="requester")
    for i in range(1, 501):
        if i % 3:
            Arrival.create(media_type="tv", media_key=f"tvdb:{300000 + i}", season=1, episode=3, tvdb_id=300000 + i)


def _measure(sonarr, radarr, seerr) -> None:
    """Each monitor twice (the second run should find its work done), counting calls per upstream."""
    from plexportal.health import service

    print(f"{'monitor':15} {'run':>3} {'sonarr':>7} {'radarr':>7} {'seerr':>6} {'seconds':>8}  outcome")
    for name in ("stuck", "import-fix", "quality", "reconcile", "issue-fix", "weekly-summary"):
        for attempt in (1, 2):
            for fake in (sonarr, radarr, seerr):
                fake.reset_calls()
            t = time.perf_counter()
            run = service.run_monitor(name, "cli")
            took = time.perf_counter() - t
            print(f"{name:15} {attempt:>3} {len(sonarr.calls):>7} {len(radarr.calls):>7} "
                  f"{len(seerr.calls):>6} {took:>8.2f}  {run.status}: {run.summary}")


if __name__ == "__main__":
    main()
