"""Write a ten-year Plex backup log (and its tracking file) of about the requested size.

    python bench/backups_genlog.py /tmp/plex-backup.log --size-mb 1024

Every night: the Started marker, an rsync -v file list (sized to reach the target), the --stats
block and summary, and a Completed/FAILED marker, in the en_US `date` form with EST/EDT. Formats
rotate between commas, --no-h digits and -h units; about 1 night in 40 fails (codes 23, 24, 12).

With --truth FILE it also writes what it put in each night, one JSON object a line (start and end
in UTC, status, exit code, and the numbers as a reader of the printed text must find them), so a
test or a benchmark can check every run an importer stores."""
from __future__ import annotations

import argparse
import json
import random
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

NY = ZoneInfo("America/New_York")


def human(n: int) -> str:
    value = float(n)
    for unit in "KMGT":
        value /= 1000
        if value < 1000:
            return f"{value:.2f}{unit}"
    return f"{value:.2f}P"


def printed(text: str) -> int:
    """The number a reader finds in what `human`, `str` or the comma form printed."""
    if text[-1].isalpha():
        return round(float(text[:-1]) * 1000 ** ("KMGTP".index(text[-1]) + 1))
    return int(text.replace(",", ""))


def utc(local: datetime) -> str:
    return local.replace(tzinfo=NY).astimezone(UTC).isoformat()


def status_of(code: int) -> str:
    return "success" if code == 0 else "partial" if code in (23, 24) else "failed"


def stamp(local: datetime) -> str:
    aware = local.replace(tzinfo=NY)
    return aware.strftime(f"%a %b %d %I:%M:%S %p {aware.tzname()} %Y")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("path", type=Path)
    ap.add_argument("--size-mb", type=int, default=1024)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--end", default="2026-11-20")
    ap.add_argument("--truth", type=Path, default=None, help="write each night's expected run here (JSON lines)")
    args = ap.parse_args()
    rng = random.Random(6)
    nights = args.years * 365
    end = date.fromisoformat(args.end)
    per_night = args.size_mb * 1024 * 1024 // nights
    line = "Library/Application Support/Plex Media Server/Metadata/TV Shows/0/1a2b3c4d5e6f.bundle/Contents/_combined/posters/com.plexapp.agents.thetvdb_1a2b3c.jpg\n"
    listing = line * max(1, (per_night - 1200) // len(line))
    t0 = time.perf_counter()
    tracking = args.path.with_name("plex-backup-tracking.log")
    truth = open(args.truth, "w") if args.truth else None  # noqa: SIM115 - closed below
    with open(args.path, "w") as log, open(tracking, "w") as track:
        for i in range(nights):
            day = end - timedelta(days=nights - 1 - i)
            start = datetime(day.year, day.month, day.day, 3, 0, rng.randint(0, 59))
            seconds = rng.randint(300, 900)
            size = 8_000_000_000 + i * 1_000_000 + rng.randint(0, 50_000_000)
            sent = rng.randint(5_000_000, 900_000_000)
            fmt = (lambda n: f"{n:,}", str, human)[i % 3]
            code = 0 if rng.random() > 0.025 else rng.choice([23, 24, 12])
            log.write(f"=== Plex Backup Started: {stamp(start)} ===\nsending incremental file list\n")
            log.write(listing)
            files = rng.randint(100, 4000)
            log.write(f"\nNumber of files: {size // 900_000:,} (reg: {size // 1_000_000:,}, dir: 4,321)\n"
                      f"Number of regular files transferred: {files:,}\n"
                      f"Total file size: {fmt(size)} bytes\nTotal transferred file size: {fmt(sent)} bytes\n"
                      f"Total bytes sent: {fmt(sent)}\nTotal bytes received: {fmt(2202)}\n\n"
                      f"sent {fmt(sent)} bytes  received {fmt(2202)} bytes  {fmt(sent // seconds)}{'' if i % 3 == 2 else '.00'} bytes/sec\n"
                      f"total size is {fmt(size)}  speedup is 9.87\n")
            finish = stamp(start + timedelta(seconds=seconds))
            if code:
                log.write(f"rsync error: some files/attrs were not transferred (code {code}) at main.c(1338)\n"
                          f"=== Plex Backup FAILED with code {code}: {finish} ===\n")
            else:
                log.write(f"=== Plex Backup Completed Successfully: {finish} ===\n")
            track.write(f"{day.isoformat()}:{'success' if code == 0 else 'failed'}\n")
            if truth:
                truth.write(json.dumps({
                    "day": day.isoformat(), "started_at": utc(start), "finished_at": utc(start + timedelta(seconds=seconds)),
                    "duration_seconds": seconds, "status": status_of(code), "exit_code": code,
                    "sent_bytes": printed(fmt(sent)), "received_bytes": printed(fmt(2202)),
                    "total_size_bytes": printed(fmt(size)), "files_transferred": files}) + "\n")
    if truth:
        truth.close()
    size = args.path.stat().st_size
    print(f"wrote {args.path} ({size / 1e6:,.0f} MB, {nights} nights) and {tracking} in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
