"""How fast the outbox drains: N due "ready to watch" messages (rendered HTML + text, unsubscribe
headers) delivered to a local aiosmtpd server, on SQLite (default) or PostgreSQL.

    .venv/bin/python bench/notify_send.py [--count 1000] [--database-url postgresql://…]

Prints the command, the time to queue, the time to deliver and messages per second. Target:
1,000 due messages delivered in under 20 s."""
from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiosmtpd.controller import Controller


class Counter:
    def __init__(self):
        self.count = 0
        self.connections = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
        return "250 OK"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    from plexportal import create_app
    from plexportal.cli import upgrade
    from plexportal.config import Config
    from plexportal.db import db

    data = Path(tempfile.mkdtemp(prefix="bench-notify-"))
    cfg = Config(data_dir=data, secret_key="bench-secret", huey_immediate=False)
    if args.database_url:
        cfg.database_url = args.database_url
    app = create_app(cfg)
    handler = Counter()
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()

    with app.app_context():
        if args.database_url:
            db.connect(reuse_if_open=True)
            tables = [t for t in db.get_tables()]
            if tables:
                db.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        upgrade()
        db.connect(reuse_if_open=True)
        from plexportal.auth.models import User
        from plexportal.notify import send, service
        from plexportal.settings import service as settings

        settings.set_many({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "SMTP_SECURITY": "none",
                           "SMTP_FROM": "portal@example.com", "BASE_URL": "https://portal.example.com",
                           "BATCH_INITIAL_DELAY": "0", "BATCH_MAX_WAIT": "0"})
        payload = {"media_type": "tv", "title": "The Quiet Harbour", "year": 2024,
                   "poster_url": "https://image.tmdb.org/t/p/w500/harbour.jpg", "overview": "A lighthouse keeper.",
                   "watch_url": "https://app.plex.tv/desktop#!/server/abc/details?key=%2Flibrary%2Fmetadata%2F42"}
        t0 = time.perf_counter()
        with db.atomic():
            users = [User.create(username=f"u{i}", email=f"u{i}@example.com") for i in range(args.count)]
        for i, user in enumerate(users):
            service.notify_user(user, "media.ready", f"tv:{i}", [{"season": 1, "episode": e} for e in (1, 2, 3)],
                                payload)
        queued = time.perf_counter() - t0
        t1 = time.perf_counter()
        counts = send.send_due()
        delivered = time.perf_counter() - t1
        deadline = time.time() + 10
        while handler.count < args.count and time.time() < deadline:
            time.sleep(0.01)
    controller.stop()

    backend = "PostgreSQL" if args.database_url else "SQLite"
    print("command: " + " ".join(shlex.quote(a) for a in [sys.executable, *sys.argv]))
    print(f"backend: {backend}; messages: {args.count}; rendered media.ready with HTML, text and headers")
    print(f"queued (notify_user, batching): {queued:.2f} s")
    print(f"delivered to SMTP: {delivered:.2f} s ({args.count / delivered:.0f} messages/s); "
          f"sender counts {counts}; server received {handler.count}")
    ok = handler.count == args.count and counts["sent"] == args.count
    print("result: " + ("PASS" if ok and delivered < 20 else "FAIL") + " (target: under 20 s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
