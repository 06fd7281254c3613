"""The backup's cron schedule: from BACKUP_SCHEDULE or the cron user's crontab, in plain English,
with its fire times computed in the backup's zone (DST-correct, Debian cron semantics via cronsim).

Crontab access runs the crontab program with an argument list (never a shell) and a timeout."""
from __future__ import annotations

import itertools
import re
import subprocess  # nosec B404 # every call is listed and reviewed in docs/security.md
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from cronsim import CronSim, CronSimError

MACROS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
          "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}
_ENV_LINE = re.compile(r"^\s*[A-Za-z_][A-Za-z0-9_]*\s*=")


class ScheduleError(ValueError):
    pass


def normalise(expr: str) -> str:
    text = " ".join((expr or "").split())
    return MACROS.get(text.lower(), text)


def problem(expr: str) -> str | None:
    """Why an expression is not a usable five-field schedule, or None."""
    text = normalise(expr)
    if not text:
        return None
    if text.startswith("@"):
        return "Use five fields (minute hour day month weekday) or @daily, @weekly, @monthly, @hourly."
    if len(text.split()) != 5:
        return "Use five fields: minute hour day-of-month month day-of-week, e.g. 0 3 * * *."
    try:
        CronSim(text, datetime(2026, 1, 1))
    except (CronSimError, ValueError, IndexError) as err:
        return f"Not a valid cron expression ({err})."
    return None


def explain(expr: str) -> str:
    text = normalise(expr)
    try:
        return CronSim(text, datetime(2026, 1, 1)).explain()
    except Exception:  # noqa: BLE001 - explain() is best effort text
        return text


def next_runs(expr: str, zone: ZoneInfo, after: datetime, count: int = 5) -> list[datetime]:
    """The next fire times after `after`, as aware UTC, iterated in the local zone."""
    it = CronSim(normalise(expr), after.astimezone(zone))
    out = []
    for _ in range(count):
        try:
            out.append(next(it).astimezone(UTC))
        except StopIteration:
            break
    return out


def next_run(expr: str, zone: ZoneInfo, after: datetime) -> datetime | None:
    runs = next_runs(expr, zone, after, 1)
    return runs[0] if runs else None


def previous_run(expr: str, zone: ZoneInfo, before: datetime) -> datetime | None:
    try:
        return next(CronSim(normalise(expr), before.astimezone(zone), reverse=True)).astimezone(UTC)
    except StopIteration:
        return None


def fires_between(expr: str, zone: ZoneInfo, after: datetime, until: datetime, limit: int = 400) -> list[datetime]:
    """Fire times in (after, until], at most `limit` (the newest ones when there are more)."""
    it = CronSim(normalise(expr), after.astimezone(zone))
    out: list[datetime] = []
    for fire in it:
        fire = fire.astimezone(UTC)
        if fire > until:
            break
        out.append(fire)
        if len(out) > limit:
            out.pop(0)
    return out


# -- the crontab -------------------------------------------------------------------------------------

@dataclass
class CronLine:
    index: int            # line number in the crontab text
    expr: str
    command: str


def _setting(key: str) -> str:
    from plexportal.settings import service as settings

    return settings.get(key)


def _argv(*extra: str) -> list[str]:
    argv = [_setting("CRON_COMMAND") or "crontab"]
    user = _setting("CRON_USER")
    if user:
        argv += ["-u", user]
    return argv + list(extra)


_cache: dict[tuple, tuple[float, str]] = {}
CACHE_SECONDS = 30.0      # pages and the minute tick read it often; crontab -l forks a process


def read_crontab(fresh: bool = False) -> str:
    """The cron user's crontab text (cached briefly); raises ScheduleError with a readable reason."""
    import time

    key = tuple(_argv("-l"))
    hit = _cache.get(key)
    if hit and not fresh and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    text = _read_crontab()
    _cache[key] = (time.monotonic(), text)
    return text


def _read_crontab() -> str:
    try:
        done = subprocess.run(_argv("-l"), capture_output=True, text=True,  # nosec B603 # argv: host env
                              timeout=10, check=False)
    except FileNotFoundError:
        raise ScheduleError("the crontab program is not installed here (inside Docker the host's crontab "
                            "is not visible: set BACKUP_SCHEDULE instead)") from None
    except (OSError, subprocess.TimeoutExpired) as err:
        raise ScheduleError(f"could not run crontab -l: {err}") from None
    if done.returncode != 0:
        message = (done.stderr or "").strip().splitlines()
        if message and "no crontab" in message[0].lower():
            return ""
        raise ScheduleError("crontab -l failed: " + (message[0] if message else f"exit {done.returncode}"))
    return done.stdout


def find_backup_line(text: str, script: str) -> CronLine | None:
    """The crontab line that runs the backup script (or mentions plex and backup)."""
    fallback = None
    for i, raw in enumerate(text.splitlines()):
        line = raw.strip()
        if not line or line.startswith("#") or _ENV_LINE.match(line):
            continue
        parts = line.split(None, 1 if line.startswith("@") else 5)
        if line.startswith("@"):
            if len(parts) < 2 or parts[0].lower() not in MACROS:
                continue
            expr, command = parts[0], parts[1]
        else:
            if len(parts) < 6:
                continue
            expr, command = " ".join(parts[:5]), parts[5]
        if script and script in command:
            return CronLine(i, expr, command)
        if fallback is None and "backup" in command.lower() and "plex" in command.lower():
            fallback = CronLine(i, expr, command)
    return fallback


def replace_schedule(text: str, line: CronLine, expr: str) -> str:
    lines = text.splitlines()
    lines[line.index] = f"{normalise(expr)} {line.command}"
    return "\n".join(lines) + "\n"


def write_crontab(text: str) -> None:
    try:
        done = subprocess.run(_argv("-"), input=text, capture_output=True, text=True,  # nosec B603 # argv from the host
                              timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise ScheduleError(f"could not run crontab: {err}") from None
    _cache.clear()
    if done.returncode != 0:
        raise ScheduleError("crontab refused the new table: " + ((done.stderr or "").strip() or f"exit {done.returncode}"))


@dataclass
class Schedule:
    expr: str             # normalised, "" when unknown
    source: str           # setting | crontab | none
    text: str             # plain English
    error: str = ""       # why the crontab could not be read
    cron_line: CronLine | None = None


def current(read_cron: bool = True) -> Schedule:
    """BACKUP_SCHEDULE, else the backup line of CRON_USER's crontab, else none."""
    expr = _setting("BACKUP_SCHEDULE")
    if expr and not problem(expr):
        return Schedule(normalise(expr), "setting", explain(expr))
    if not read_cron:
        return Schedule("", "none", "")
    try:
        text = read_crontab()
    except ScheduleError as err:
        return Schedule("", "none", "", error=str(err))
    line = find_backup_line(text, _setting("BACKUP_SCRIPT_PATH"))
    if line is None or problem(line.expr):
        return Schedule("", "none", "", error="no backup line in the crontab" if text else "the crontab is empty")
    return Schedule(normalise(line.expr), "crontab", explain(line.expr), cron_line=line)


def change_crontab_schedule(expr: str) -> CronLine:
    """Validate, then rewrite the backup line's schedule in the crontab (CRON_EDIT_ENABLED only)."""
    from plexportal.settings import service as settings

    if not settings.get_bool("CRON_EDIT_ENABLED"):
        raise ScheduleError("Editing the crontab is turned off (set PLEXPORTAL_CRON_EDIT_ENABLED=true on the server).")
    reason = problem(expr) or (None if normalise(expr) else "Enter a schedule.")
    if reason:
        raise ScheduleError(reason)
    text = read_crontab(fresh=True)
    line = find_backup_line(text, _setting("BACKUP_SCRIPT_PATH"))
    if line is None:
        raise ScheduleError("No backup line found in the crontab to change.")
    write_crontab(replace_schedule(text, line, expr))
    return CronLine(line.index, normalise(expr), line.command)


def period(expr: str, zone: ZoneInfo, at: datetime) -> timedelta:
    """The widest gap between consecutive fires around `at` (Backrest's nominal period)."""
    fires = next_runs(expr, zone, at, 9)
    gaps = [b - a for a, b in itertools.pairwise(fires)]
    return max(gaps) if gaps else timedelta(days=1)
