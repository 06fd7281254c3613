"""Delivery under faults, against real processes on 127.0.0.1 (the Huey consumer as the production
command runs it, aiosmtpd, a fake Plex), on SQLite by default or PostgreSQL + Redis:

    .venv/bin/python bench/delivery_faults.py kill      [--count 60] [--lease 60]
    .venv/bin/python bench/delivery_faults.py greylist  [--count 20]
    .venv/bin/python bench/delivery_faults.py hung-plex [--count 20] [--timeout 10] [--max-wait 120]
    (add --database-url postgresql://… --redis-url redis://… for the scale-out configuration)

kill:      the worker is SIGKILLed a third of the way through a batch and started again at once;
           prints how long after the restart every message had arrived, and how many arrived twice.
greylist:  a server that answers 450 to the first RCPT of each sender/recipient pair; prints when
           the messages arrived, how many were lost or duplicated, and the attempts spent.
hung-plex: Plex accepts connections and never answers; N "ready" messages wait on it; prints how
           long one plain message queued with them took, and when the "ready" ones went out.
"""
from __future__ import annotations

import argparse
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.plex import FakePlex
from tests.fakes.smtp import SmtpServer
from tests.integration import rows
from tests.live import BIN, flask_cli, server_env


def worker(env: dict, log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen([str(BIN / "huey_consumer"), "plexportal.worker.huey", "--workers", "2",
                                 "--worker-type", "thread"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def wait_for(predicate, timeout: float) -> float | None:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.05)
    return None


def setup(args, smtp: SmtpServer, **settings) -> tuple[dict, Path]:
    data = Path(tempfile.mkdtemp(prefix="bench-delivery-"))
    extra = {"PLEXPORTAL_SMTP_HOST": "127.0.0.1", "PLEXPORTAL_SMTP_PORT": str(smtp.port),
             "PLEXPORTAL_SMTP_SECURITY": "none", "PLEXPORTAL_SMTP_FROM": "portal@example.com"}
    if args.database_url:
        extra.update(PLEXPORTAL_DATABASE_URL=args.database_url, PLEXPORTAL_REDIS_URL=args.redis_url)
    extra.update({f"PLEXPORTAL_{k}": str(v) for k, v in settings.items()})
    env = server_env(data / "data", **extra)
    flask_cli(env, "db", "upgrade")
    return env, data


def kill(args) -> None:
    smtp = SmtpServer().start()
    env, data = setup(args, smtp, WORKER_LEASE_SECONDS=args.lease)
    rows.queue(env, rows.EMAILS, args.count)
    smtp.delay = 0.2
    proc = worker(env, data / "worker.log")
    wait_for(lambda: len(smtp.messages) >= args.count // 3, 120)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    at_kill = len(smtp.messages)
    smtp.delay = 0
    proc = worker(env, data / "worker.log")
    wanted = {f"p{i}@example.com" for i in range(args.count)}
    took = wait_for(lambda: {m["To"] for m in smtp.messages} >= wanted, 600)
    stop(proc)
    smtp.stop()
    twice = sum(1 for c in Counter(m["To"] for m in smtp.messages).values() if c > 1)
    print(f"kill: {args.count} messages, SIGKILL after {at_kill}; all delivered {took:.1f} s after the "
          f"restart (lease {args.lease} s); {twice} arrived twice")


def greylist(args) -> None:
    smtp = SmtpServer().start()
    smtp.greylist = 1
    env, data = setup(args, smtp)
    rows.queue(env, rows.EMAILS, args.count)
    proc = worker(env, data / "worker.log")
    wanted = {f"p{i}@example.com" for i in range(args.count)}
    took = wait_for(lambda: {m["To"] for m in smtp.messages} >= wanted, 600)
    time.sleep(2)
    stop(proc)
    smtp.stop()
    received = Counter(m["To"] for m in smtp.messages)
    lost = len(wanted - set(received))
    twice = sum(1 for c in received.values() if c > 1)
    took_text = f"{took:.1f} s" if took is not None else "not within 600 s"
    print(f"greylist: {args.count} messages, first RCPT of each deferred with 450; all delivered after {took_text} "
          f"(first retry after the 1-minute backoff, sweep each minute); lost {lost}, duplicated {twice}, "
          f"RCPTs sent {len(smtp.rcpt_log)}")


def hung_plex(args) -> None:
    smtp = SmtpServer().start()
    plex = FakePlex(token="plex-token").start()
    plex.delay = 3600
    env, data = setup(args, smtp, PLEX_URL=plex.url, PLEX_TOKEN="plex-token", AVAILABILITY_CHECK="plex",
                      AVAILABILITY_TIMEOUT=args.timeout, AVAILABILITY_MAX_WAIT=args.max_wait)
    rows.queue(env, rows.READY_AND_ONE_ALERT, args.count)
    started = time.monotonic()
    proc = worker(env, data / "worker.log")
    plain = wait_for(lambda: any(m["To"] == "owner@example.com" for m in smtp.messages), 300)
    ready = wait_for(lambda: len(smtp.messages) >= args.count + 1, args.max_wait + 300)
    ready_total = time.monotonic() - started
    stop(proc)
    smtp.stop()
    plex.stop()
    print(f"hung-plex: {args.count} ready messages waiting on a Plex that never answers (timeout {args.timeout} s, "
          f"max wait {args.max_wait} s): the plain message went out {plain:.1f} s after the worker started "
          f"(start-up included); the ready ones {ready_total:.1f} s after (max wait + {ready_total - args.max_wait:.1f} s); "
          f"Plex was asked {len(plex.calls)} times" if ready is not None else "hung-plex: not all delivered")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=["kill", "greylist", "hung-plex"])
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--lease", type=int, default=60)
    parser.add_argument("--timeout", type=int, default=10)
    parser.add_argument("--max-wait", type=int, default=120)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    args = parser.parse_args()
    print("$ " + shlex.join([".venv/bin/python", "bench/delivery_faults.py", *sys.argv[1:]]))
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    {"kill": kill, "greylist": greylist, "hung-plex": hung_plex}[args.scenario](args)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
