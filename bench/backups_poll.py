"""The poller's cost depends on the new bytes only, not on the size of the log.

    python bench/backups_genlog.py /tmp/bench/plex-backup.log --size-mb 1024
    python bench/backups_poll.py /tmp/bench/plex-backup.log

Copies the log into a temp dir next to a small one (one night), imports both, then appends the
same night to each and times the poll that reads it (median of 20)."""
from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    source = Path(sys.argv[1]).resolve()
    work = Path(tempfile.mkdtemp(prefix="pp-poll-"))
    os.environ["PLEXPORTAL_DATA_DIR"] = str(work / "data")
    os.environ["PLEXPORTAL_BACKUP_TIMEZONE"] = "America/New_York"
    from plexportal import create_app
    from plexportal.backups import importer
    from plexportal.cli import upgrade
    from plexportal.db import db_session

    big = work / "big.log"
    shutil.copy(source, big)
    with open(source, "rb") as fh:
        text = fh.read(4 << 20)
    end = text.index(b"=== Plex Backup Completed")
    night = text[:text.index(b"\n", end) + 1]
    small = work / "small.log"
    small.write_bytes(night)
    app = create_app()
    results = {}
    with app.app_context(), db_session():
        upgrade()
        for name, path in (("1-night log", small), (f"{big.stat().st_size / 1e6:,.0f} MB log", big)):
            importer.read_log(path, restart=True)
            times, cpu = [], []
            for _ in range(20):
                with open(path, "ab") as fh:
                    fh.write(night)
                t0, c0 = time.perf_counter(), time.process_time()
                report = importer.read_log(path)
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
                assert report.bytes_read == len(night), report.bytes_read
            results[name] = (statistics.median(times), statistics.median(cpu))
    print(f"appended per poll: {len(night):,} bytes (one night)")
    for name, (seconds, cpu_seconds) in results.items():
        print(f"poll after append, {name}: {seconds * 1000:.1f} ms wall, {cpu_seconds * 1000:.1f} ms CPU (median of 20)")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"command: python bench/backups_poll.py {source}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
