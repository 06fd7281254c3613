"""The worker's side of a burst of Downloads, alone: no web, no queue. Shows with a requester and
some followers each are set up through the app; then Sonarr Download webhooks (shows interleaved,
every Download a new episode) are stored as the web stores them, and processed in their order as
the consumer's tasks would, one `process_event` per webhook.

    .venv/bin/python bench/burst_worker_path.py [--shows 20] [--followers 10] [--downloads 2000]
        [--batch 200] [--profile] [--database-url postgresql://…/bench_path]

`--batch 1` processes each Download on its own (what the worker did before batches). Reports the
CPU time and the statements per Download, and with --profile the functions that took the most.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "media"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shows", type=int, default=20)
    parser.add_argument("--followers", type=int, default=10)
    parser.add_argument("--downloads", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=0, help="Downloads per batch (default: the app's)")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    from bench.download_burst import empty_and_migrate
    from plexportal import create_app
    from plexportal.auth.models import User
    from plexportal.config import Config
    from plexportal.db import db
    from plexportal.lib import clock
    from plexportal.media import matching, service
    from plexportal.media.models import MediaRequest, WebhookEvent
    from plexportal.notify.models import Notification
    from plexportal.settings import service as settings
    from tests.statements import counting

    if args.batch:
        service.BATCH = args.batch
    cfg = Config(data_dir=Path(tempfile.mkdtemp(prefix="bench-path-")), secret_key="x" * 32, huey_immediate=True)
    if args.database_url:
        cfg.database_url = args.database_url      # emptied first: never point it at a database you use
    app = create_app(cfg)
    with app.app_context():
        empty_and_migrate(args.database_url)
        settings.set_many({"AVAILABILITY_CHECK": "none", "BATCH_INITIAL_DELAY": "30", "BATCH_EXTEND_DELAY": "10",
                           "BATCH_MAX_WAIT": "300", "BASE_URL": "http://portal.example.com"})
        seerr = json.loads((FIXTURES / "seerr_media_approved_tv.json").read_text())
        for i in range(args.shows):
            body = json.loads(json.dumps(seerr))
            body["media"].update(tvdbId=str(700000 + i), tmdbId=str(600000 + i))
            body["request"].update(request_id=str(1000 + i), requestedBy_email=f"viewer{i}@example.com",
                                   requestedBy_username=f"viewer{i}")
            body["extra"] = []
            service.process_event(service.record_webhook("seerr", json.dumps(body).encode()).event_id)
        for req in MediaRequest.select():
            for n in range(args.followers):
                user = User.create(username=f"f{req.id}x{n}", email=f"f{req.id}x{n}@example.com")
                matching.add_follower(req, user)
        MediaRequest.update(updated_at=MediaRequest.created_at).execute()   # settled long ago
        template = json.loads((FIXTURES / "sonarr_v4_download.json").read_text())
        ids = []
        for n in range(args.downloads):
            i = n % args.shows
            episode = n // args.shows + 1
            body = json.loads(json.dumps(template))
            body["series"].update(tvdbId=700000 + i, tmdbId=600000 + i, title=f"Show {i}", id=i)
            body["episodes"][0].update(seasonNumber=1 + episode // 100, episodeNumber=episode % 100, id=n,
                                       title=f"Episode {episode}")
            body["downloadId"] = f"burst-{n}"
            ids.append(service.record_webhook("sonarr", json.dumps(body).encode()).event_id)
        clock.now()
        profile = cProfile.Profile() if args.profile else None
        cpu0, wall0 = time.process_time(), time.perf_counter()
        with counting(db.obj) as counted:
            if profile:
                profile.enable()
            for event_id in ids:
                service.process_event(event_id)
            if profile:
                profile.disable()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        left = WebhookEvent.select().where(WebhookEvent.status == "received").count()
        items = sum(len(n.payload.get("items") or []) for n in Notification.select())
        db.close()
    print("command:", " ".join([".venv/bin/python", "bench/burst_worker_path.py", *sys.argv[1:]]))
    print(f"{args.shows} shows x {args.followers + 1} people, {args.downloads} Downloads, batch "
          f"{service.BATCH}: {left} left waiting, {items} items in messages")
    print(f"CPU per Download {cpu / args.downloads * 1000:.2f} ms (wall {wall / args.downloads * 1000:.2f} ms), "
          f"statements per Download {counted.statements / args.downloads:.1f}")
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
    return 0


if __name__ == "__main__":
    sys.exit(main())
