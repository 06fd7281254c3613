"""The checks behind `backups check` and the page's health list (put together by
service.run_checks): is a file where it should be and fresh, and does the destination hold a
restorable Plex backup?"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from plexportal.lib import clock, fmt

DB_NAMES = ("com.plexapp.plugins.library.db", "com.plexapp.plugins.library.blobs.db")
FRESH = timedelta(days=2)


@dataclass
class Check:
    name: str
    level: str          # ok | warn | bad | skip
    message: str


def file_check(name: str, path: Path, fresh: timedelta | None = None) -> Check:
    try:
        st = path.stat()
    except FileNotFoundError:
        return Check(name, "bad", f"{path} does not exist")
    except OSError as err:
        return Check(name, "bad", f"{path} cannot be read: {err.strerror}")
    if not os.access(path, os.R_OK):
        return Check(name, "bad", f"{path} is not readable by this user")
    changed = datetime.fromtimestamp(st.st_mtime, tz=clock.UTC)
    text = f"{path} ({fmt.human_bytes(st.st_size)}, changed {fmt.reltime(changed)})"
    if fresh and clock.now() - changed > fresh:
        return Check(name, "warn", text + ": not written to recently")
    return Check(name, "ok", text)


def find_plex_root(dest: Path) -> Path | None:
    """The folder holding Preferences.xml inside the backup (it may be nested)."""
    if (dest / "Preferences.xml").exists():
        return dest
    for candidate in (dest / "Library/Application Support/Plex Media Server", dest / "Plex Media Server"):
        if (candidate / "Preferences.xml").exists():
            return candidate
    for root, dirs, files in os.walk(dest):
        if "Preferences.xml" in files:
            return Path(root)
        if root.count(os.sep) - str(dest).count(os.sep) >= 4:
            dirs[:] = []
    return None


def verify_destination(dest: Path, now: datetime | None = None) -> list[Check]:
    """Preferences.xml (present, not empty) and both Plex databases (present, not empty, changed in
    the last two days). rsync -a keeps the source's times, so an untouched Preferences.xml is normal."""
    now = now or clock.now()
    try:
        if not dest.is_dir():
            return [Check("Destination", "bad", f"{dest} is not a folder (is the backup disk mounted?)")]
        root = find_plex_root(dest)
    except OSError as err:
        return [Check("Destination", "bad", f"{dest} cannot be read: {err.strerror or err}")]
    if root is None:
        return [Check("Destination", "bad", f"no Preferences.xml under {dest}: the server's identity would be lost")]
    prefs = root / "Preferences.xml"
    try:
        size = prefs.stat().st_size
    except OSError as err:
        out = [Check("Preferences.xml", "bad", f"cannot be read ({prefs}): {err.strerror or err}")]
    else:
        out = [Check("Preferences.xml", "ok", str(prefs)) if size else
               Check("Preferences.xml", "bad", f"empty file ({prefs})")]
    dbdir = root / "Plug-in Support" / "Databases"
    for name in DB_NAMES:
        path = dbdir / name
        try:
            st = path.stat()
        except FileNotFoundError:
            out.append(Check(name, "bad", f"missing from {dbdir}"))
            continue
        except OSError as err:
            out.append(Check(name, "bad", f"cannot be read: {err.strerror or err}"))
            continue
        changed = datetime.fromtimestamp(st.st_mtime, tz=clock.UTC)
        if st.st_size == 0:
            out.append(Check(name, "bad", "empty file"))
        elif now - changed > FRESH:
            out.append(Check(name, "warn", f"last changed {fmt.reltime(changed, now)}: is the backup copying it?"))
        else:
            out.append(Check(name, "ok", f"{fmt.human_bytes(st.st_size)}, changed {fmt.reltime(changed, now)}"))
    return out
