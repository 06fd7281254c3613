"""Import speed and memory of the backup log reader, beside `grep -c` (and the peer) on the same file.

    python bench/backups_genlog.py /tmp/bench/y1/plex-backup.log --years 1 --size-mb 462 --truth /tmp/bench/y1/truth.jsonl
    python bench/backups_genlog.py /tmp/bench/y10/plex-backup.log --years 10 --size-mb 411 --truth /tmp/bench/y10/truth.jsonl
    python bench/backups_import.py /tmp/bench/y1/plex-backup.log [--peer DIR --peer-python PY] [--rounds 5]

Reads the file once so the page cache is warm, then for each round, one after the other on the
same file: `grep -c '=== Plex Backup '` (the marker every run starts and ends with), the import
command (`flask --app wsgi backups import`) on a fresh SQLite data dir, the same command again
(a re-import: same rows) and, with --peer, the peer's import (bench/peer_replexon.py). Each is
a child process; its CPU time (user + system) and peak RSS come from wait4(). The import command
prints its own reader's time, which leaves out Python's and the app's start (about a second of
CPU, the same for an empty log). The machine is shared, so wall times vary with its load; CPU
time is the figure to compare. The minimum and the median of the rounds are printed. When a
truth.jsonl lies beside the log, every stored run is checked against it after each import."""
from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).with_name("flask"))
MARKER = "=== Plex Backup "


def child(argv, env=None, cwd=ROOT) -> dict:
    """Run one process: wall and CPU seconds, peak RSS (MB), stdout."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) not in (0, 1):       # grep -c says 1 when it counts 0
        sys.exit(f"{argv} failed:\n{out}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss": usage.ru_maxrss / 1024, "out": out}


def fresh_env() -> dict:
    data = tempfile.mkdtemp(prefix="pp-bench-")
    env = {**os.environ, "PLEXPORTAL_DATA_DIR": data, "PLEXPORTAL_BACKUP_TIMEZONE": "America/New_York"}
    child([FLASK, "--app", "wsgi", "db", "upgrade"], env)
    return env


def reader(out: str) -> tuple[float, float]:
    """The import command's own figures for the log: (wall, CPU) seconds."""
    m = re.search(r"read [\d,]+ bytes in ([\d.]+) s \([\d,]+ MB/s; CPU ([\d.]+) s\)", out)
    return (float(m.group(1)), float(m.group(2))) if m else (0.0, 0.0)


def check(env: dict, truth: Path) -> str:
    """Compare the runs the import stored with the generator's record: '3650 of 3650 right'."""
    nights = {n["started_at"]: n for n in map(json.loads, truth.read_text().splitlines())}
    db = sqlite3.connect(Path(env["PLEXPORTAL_DATA_DIR"]) / "plexportal.db")
    right = 0
    rows = db.execute("SELECT started_at, finished_at, duration_seconds, status, exit_code, sent_bytes, "
                      "received_bytes, total_size_bytes, files_transferred, day FROM backup_run "
                      "WHERE source = 'log'").fetchall()
    for started, finished, *rest, day in rows:
        n = nights.get(started.replace(" ", "T") + "+00:00")
        right += n is not None and [finished.replace(" ", "T") + "+00:00", *rest, day] == [
            n["finished_at"], n["duration_seconds"], n["status"], n["exit_code"], n["sent_bytes"],
            n["received_bytes"], n["total_size_bytes"], n["files_transferred"], n["day"]]
    db.close()
    return f"{right} of {len(nights)} nights right ({len(rows)} runs stored)"


def spread(values: list[float], unit: str = "s", digits: int = 2) -> str:
    return f"{min(values):.{digits}f} / {statistics.median(values):.{digits}f} {unit}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("log", type=Path)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--peer", type=Path, default=None, help="the peer's files (see bench/peer_replexon.py)")
    ap.add_argument("--peer-python", default=sys.executable, help="an interpreter with SQLAlchemy for the peer")
    args = ap.parse_args()
    log = args.log.resolve()
    size = log.stat().st_size
    with open(log, "rb") as fh:                 # warm the page cache
        while fh.read(1 << 24):
            pass
    tracking = log.with_name("plex-backup-tracking.log")
    truth = log.with_name("truth.jsonl")
    checks: list[str] = []
    empty = Path(tempfile.mkdtemp(prefix="pp-bench-")) / "empty.log"
    empty.write_text("")
    rows: dict[str, dict[str, list[float]]] = {}
    loads = []

    def note(name: str, wall: float, cpu: float, rss: float | None = None) -> None:
        r = rows.setdefault(name, {"wall": [], "cpu": [], "rss": []})
        r["wall"].append(wall)
        r["cpu"].append(cpu)
        if rss is not None:
            r["rss"].append(rss)

    counts, found, peer_out = set(), "", ""
    for _ in range(args.rounds):
        loads.append(os.getloadavg()[0])
        g = child(["grep", "-c", MARKER, str(log)])
        counts.add(g["out"].strip())
        note("grep -c", g["wall"], g["cpu"], g["rss"])
        env = fresh_env()
        cmd = [FLASK, "--app", "wsgi", "backups", "import", "--log", str(log), "--tracking", str(tracking)]
        first = child(cmd, env)
        note("import: reader, fresh database", *reader(first["out"]))
        note("import: whole command, fresh database", first["wall"], first["cpu"], first["rss"])
        if truth.exists():
            checks.append("fresh " + check(env, truth))
        again = child(cmd, env)
        note("import: reader, re-import", *reader(again["out"]))
        note("import: whole command, re-import", again["wall"], again["cpu"], again["rss"])
        if truth.exists():
            checks.append("re-import " + check(env, truth))
        base = child([FLASK, "--app", "wsgi", "backups", "import", "--log", str(empty), "--tracking", str(empty)], env)
        note("the same command on an empty log", base["wall"], base["cpu"], base["rss"])
        found = first["out"]
        if args.peer:
            extra = ["--truth", str(truth)] if truth.exists() else []
            p = child([args.peer_python, str(ROOT / "bench" / "peer_replexon.py"), str(args.peer), str(log), *extra])
            note("RePlexOn: grep extract + import (whole process)", p["wall"], p["cpu"], p["rss"])
            peer_out = p["out"].strip()
    if args.peer:
        found += "\nRePlexOn: " + peer_out
    print(found.strip())
    print(f"\nfile: {size / 1e6:,.0f} MB, {log}; grep -c counted {', '.join(sorted(counts))} marker lines")
    if checks:
        print("checked against the generator's record: " + "; ".join(sorted(set(checks))))
    print(f"load average at each round: {', '.join(f'{x:.1f}' for x in loads)} on {os.cpu_count()} CPUs")
    print(f"{args.rounds} rounds, min / median\n")
    grep_cpu = min(rows["grep -c"]["cpu"])
    print("| what | CPU | wall | peak RSS | CPU (min) ÷ grep -c |\n|---|---:|---:|---:|---:|")
    for name, r in rows.items():
        rss = spread(r["rss"], "MB", 0) if r["rss"] and name != "grep -c" else ""   # grep's is Python's fork
        print(f"| {name} | {spread(r['cpu'])} | {spread(r['wall'])} | {rss} | {min(r['cpu']) / grep_cpu:.1f} × |")
    print(f"\ncommand: python bench/backups_import.py {log}" + (f" --peer {args.peer}" if args.peer else ""))


if __name__ == "__main__":
    main()
