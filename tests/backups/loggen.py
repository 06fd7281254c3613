"""Backup logs written the way the script and rsync write them (reference backups.md §A6)."""
from __future__ import annotations

from datetime import datetime


def date_c(local: datetime, abbr: str) -> str:
    """`date` in the C locale: Mon Feb 23 03:00:01 EST 2026."""
    return local.strftime(f"%a %b %d %H:%M:%S {abbr} %Y")


def date_us(local: datetime, abbr: str) -> str:
    """`date` in en_US: Mon Feb 23 03:00:01 AM EST 2026."""
    return local.strftime(f"%a %b %d %I:%M:%S %p {abbr} %Y")


def date_gb(local: datetime, abbr: str) -> str:
    """Newer coreutils / en_GB: Mon 23 Feb 2026 03:00:01 EST."""
    return local.strftime(f"%a %d %b %Y %H:%M:%S {abbr}")


def date_iso(aware: datetime) -> str:
    return aware.isoformat(timespec="seconds")


def commas(n: int) -> str:
    return f"{n:,}"


def human(n: int, base: int = 1000) -> str:
    """rsync -h (base 1000) / -hh (1024): 5.12M, 101."""
    if n < base:
        return str(n)
    value = float(n)
    for unit in "KMGTP":
        value /= base
        if value < base:
            return f"{value:.2f}{unit}"
    return f"{value:.2f}P"


def summary(sent: int, received: int, total: int, fmt=commas, dry=False, stats_files: int | None = None) -> str:
    out = []
    if stats_files is not None:
        out += [f"Number of files: {commas(stats_files + 10)} (reg: {commas(stats_files + 5)}, dir: 5)",
                "Number of created files: 0",
                f"Number of regular files transferred: {commas(stats_files)}",
                f"Total file size: {fmt(total)} bytes",
                f"Total transferred file size: {fmt(sent)} bytes",
                "Literal data: 0 bytes", "Matched data: 0 bytes", "File list size: 0",
                "File list generation time: 0.001 seconds", "File list transfer time: 0.000 seconds",
                f"Total bytes sent: {fmt(sent)}", f"Total bytes received: {fmt(received)}", ""]
    rate = fmt(sent // 600)
    rate = rate if rate[-1].isalpha() else rate + ".00"
    out.append(f"sent {fmt(sent)} bytes  received {fmt(received)} bytes  {rate} bytes/sec")
    out.append(f"total size is {fmt(total)}  speedup is 1.00" + (" (DRY RUN)" if dry else ""))
    return "\n".join(out)


def section(start: str, end: str | None, body: str, failed_code: int | None = None) -> str:
    text = f"=== Plex Backup Started: {start} ===\n{body}\n"
    if end is None:
        return text
    if failed_code is None:
        return text + f"=== Plex Backup Completed Successfully: {end} ===\n"
    return text + f"=== Plex Backup FAILED with code {failed_code}: {end} ===\n"


def file_list(n: int) -> str:
    return "\n".join(f"Library/Application Support/Plex Media Server/Metadata/TV Shows/{i:04x}/Contents/_combined/poster.jpg"
                     for i in range(n))
