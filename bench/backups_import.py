"""Import speed and memory of the backup log reader.

    python bench/backups_genlog.py /tmp/bench/plex-backup.log --size-mb 1024
    python bench/backups_import.py /tmp/bench/plex-backup.log

Runs `flask --app wsgi backups import` in a child process on a fresh SQLite data dir, after
reading the file once so the page cache is warm, then again (idempotent: same rows). Reports the
reader's throughput (as the command prints it), the whole command's wall time, and peak RSS of
the import process next to the RSS of the same command on an empty log (the app's own baseline)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).with_name("flask"))


def run(args, env):
    """Run one flask command: (seconds, stdout)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([FLASK, "--app", "wsgi", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out, _ = proc.communicate()
    status = proc.returncode
    elapsed = time.perf_counter() - t0
    if status != 0:
        sys.exit(f"{args} failed:\n{out}")
    return elapsed, out


# The same flask command, except that the sign-in module's import-time argon2 hash (64 MiB, to make
# unknown-user logins as slow as real ones) is replaced by a cheap one: isolates what the import uses.
LEAN = ("import sys, argon2; argon2.PasswordHasher.hash = lambda self, p: '$argon2id$v=19$m=8,t=1,p=1$x$y'; "
        "from flask.cli import main; sys.argv = ['flask'] + sys.argv[1:]; main()")


def peak_rss(args, env, lean: bool = False) -> float:
    argv = [sys.executable, "-c", LEAN, "--app", "wsgi", *args] if lean else [FLASK, "--app", "wsgi", *args]
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _status, usage = os.wait4(proc.pid, 0)
    return usage.ru_maxrss / 1024


def main() -> None:
    log = Path(sys.argv[1]).resolve()
    size = log.stat().st_size
    data = tempfile.mkdtemp(prefix="pp-bench-")
    env = {**os.environ, "PLEXPORTAL_DATA_DIR": data, "PLEXPORTAL_BACKUP_TIMEZONE": "America/New_York"}
    run(["db", "upgrade"], env)
    with open(log, "rb") as fh:                 # warm the page cache
        while fh.read(1 << 24):
            pass
    first, out1 = run(["backups", "import", "--log", str(log)], env)
    second, out2 = run(["backups", "import", "--log", str(log)], env)
    third, out3 = run(["backups", "import", "--log", str(log)], env)
    out2 += out3
    rss = peak_rss(["backups", "import", "--log", str(log)], env)
    empty = Path(data) / "empty.log"
    empty.write_text("")
    base = peak_rss(["backups", "import", "--log", str(empty), "--tracking", str(empty)], env)
    lean = peak_rss(["backups", "import", "--log", str(log)], env, lean=True)
    lean_base = peak_rss(["backups", "import", "--log", str(empty), "--tracking", str(empty)], env, lean=True)
    print(out3.strip())
    speeds = [float(m.replace(",", "")) for m in re.findall(r"\(([\d,]+) MB/s;", out1 + out2)]
    cpu = [float(m) for m in re.findall(r"CPU ([\d.]+) s\)", out1 + out2)]
    print(f"\nfile: {size / 1e6:,.0f} MB, {log}")
    print(f"log reader throughput (fresh DB, then two re-imports): {', '.join(f'{s:,.0f}' for s in speeds)} MB/s")
    print(f"log reader CPU time: {', '.join(f'{c:.2f} s' for c in cpu)} "
          f"= {', '.join(f'{size / c / 1e6:,.0f}' for c in cpu)} MB/s of CPU")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"whole command incl. app start and tracking file: {first:.2f} s, {second:.2f} s, {third:.2f} s")
    print(f"peak RSS: import {rss:.0f} MB; same command on an empty log {base:.0f} MB; "
          f"the import itself {max(0.0, rss - base):.0f} MB")
    print(f"peak RSS without the sign-in module's import-time argon2 hash: import {lean:.0f} MB, "
          f"empty log {lean_base:.0f} MB")
    print(f"command: python bench/backups_import.py {log}")


if __name__ == "__main__":
    main()
