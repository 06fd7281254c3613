"""Running the monitors: each on its own interval (state, not ticks: a monitor is due when its last
start is older than its interval), never two runs of one monitor at once, paused during maintenance."""
from __future__ import annotations

import logging
from datetime import timedelta

from peewee import IntegrityError

from plexportal.db import db
from plexportal.health import maintenance, monitors
from plexportal.health.models import HealthAction, MonitorRun, MonitorState
from plexportal.health.monitors import stuck
from plexportal.health.monitors.base import Context, Monitor
from plexportal.lib import clock, fmt
from plexportal.settings import service as settings

log = logging.getLogger(__name__)
CLAIM_EXPIRES = timedelta(minutes=30)       # a run left "running" by a killed worker


class Busy(Exception):
    """The monitor is already running (or monitors are paused)."""


def is_enabled(m: Monitor) -> bool:
    return settings.get_bool(m.enabled_key)


def interval(m: Monitor) -> timedelta:
    return timedelta(minutes=max(1, settings.get_int(m.interval_key)))


def state(name: str) -> MonitorState:
    row = MonitorState.get_or_none(MonitorState.name == name)
    if row is None:
        try:
            with db.atomic():
                row = MonitorState.create(name=name, first_seen_at=clock.now())
        except IntegrityError:
            row = MonitorState.get(MonitorState.name == name)
    return row


def pause_reason() -> str | None:
    return maintenance.pause_reason()


def next_due(m: Monitor, st: MonitorState):
    # A new install (or a new monitor) waits one interval before its first scheduled run, so a
    # starting worker does not run everything at once while webhooks are arriving; Run now is there.
    start = st.last_started_at or st.first_seen_at
    if start is None:
        return clock.now()
    return start + interval(m)


def due_monitors() -> list[Monitor]:
    out = []
    for m in monitors.MONITORS.values():
        if is_enabled(m) and next_due(m, state(m.name)) <= clock.now():
            out.append(m)
    return out


def _claim(name: str) -> bool:
    now = clock.now()
    state(name)
    return (MonitorState.update(running_since=now, last_started_at=now)
            .where((MonitorState.name == name)
                   & (MonitorState.running_since.is_null() | (MonitorState.running_since < now - CLAIM_EXPIRES)))
            .execute()) == 1


def run_monitor(name: str, trigger: str = "schedule", only: dict | None = None) -> MonitorRun:
    """Run one monitor now and record the run. Raises Busy when it is running already or paused."""
    m = monitors.get(name)
    reason = pause_reason()
    if reason:
        raise Busy(reason)
    if not _claim(name):
        raise Busy(f"{m.label} is running already.")
    run = MonitorRun.create(monitor=name, trigger=trigger, started_at=clock.now())
    ctx = Context(monitor=name, trigger=trigger, only=only or {})
    status = "ok"
    try:
        m.run(ctx)
    except Exception as err:  # one broken monitor must not stop the others
        log.exception("monitor %s crashed", name)
        ctx.errors.append(f"{type(err).__name__}: {err}"[:300])
        status = "error"
    if ctx.errors:
        status = "error"
    summary = summarise(ctx)
    with db.atomic():
        MonitorRun.update(finished_at=clock.now(), status=status, found=ctx.found, acted=ctx.acted_count,
                          summary=summary[:500], lines=ctx.lines[:500] or None, errors=ctx.errors[:100] or None
                          ).where(MonitorRun.id == run.id).execute()
        MonitorState.update(running_since=None, last_finished_at=clock.now(), last_status=status,
                            last_summary=summary[:500]).where(MonitorState.name == name).execute()
    return MonitorRun.get_by_id(run.id)


def summarise(ctx: Context) -> str:
    parts = [f"found {ctx.found}", f"acted on {ctx.acted_count}"]
    if ctx.errors:
        parts.append(f"{len(ctx.errors)} upstream error(s), retried next run")
    return ", ".join(parts)


KEEP_RUNS = timedelta(days=30)


def prune_runs() -> int:
    """Runs older than 30 days go (each monitor's page shows its latest runs)."""
    return MonitorRun.delete().where(MonitorRun.started_at < clock.now() - KEEP_RUNS).execute()


def run_due(trigger: str = "schedule") -> list[MonitorRun]:
    prune_runs()
    sync_access_suggestions()
    if pause_reason():
        return []
    runs = []
    for m in due_monitors():
        try:
            runs.append(run_monitor(m.name, trigger))
        except Busy:
            continue
    return runs


def last_runs(name: str, limit: int = 20) -> list[MonitorRun]:
    return list(MonitorRun.select().where(MonitorRun.monitor == name)
                .order_by(MonitorRun.started_at.desc(), MonitorRun.id.desc()).limit(limit))


def schedule_words(m: Monitor) -> str:
    """"every 30 min", "every 6 h", or the weekly summary's day and hour."""
    if m.name == "weekly-summary":
        day = dict(DAY_NAMES).get(settings.get("WEEKLY_SUMMARY_DAY"), "Sunday")
        return f"{day}s at {settings.get_int('WEEKLY_SUMMARY_HOUR'):02d}:00"
    minutes = int(interval(m).total_seconds() // 60)
    if minutes % 60 == 0:
        return f"every {minutes // 60} h" if minutes > 60 else "every hour"
    return f"every {minutes} min"


DAY_NAMES = (("mon", "Monday"), ("tue", "Tuesday"), ("wed", "Wednesday"), ("thu", "Thursday"), ("fri", "Friday"),
             ("sat", "Saturday"), ("sun", "Sunday"))


def overview() -> list[dict]:
    out = []
    # Every monitor's state in one read (a row is made the first time a monitor is seen).
    known = {row.name: row for row in MonitorState.select().where(MonitorState.name.in_(list(monitors.MONITORS)))}
    # Each monitor's last run, a keyed step into its runs, all in one statement.
    newest = [MonitorRun.select(MonitorRun.id).where(MonitorRun.monitor == name).order_by(MonitorRun.id.desc()).limit(1)
              for name in monitors.MONITORS]
    runs = {r.monitor: r for r in MonitorRun.select().where(MonitorRun.id.in_(newest))} if newest else {}
    for m in monitors.MONITORS.values():
        st = known.get(m.name) or state(m.name)
        last = runs.get(m.name)
        out.append({"monitor": m, "enabled": is_enabled(m), "interval": interval(m), "state": st,
                    "schedule": schedule_words(m),
                    "last": last, "next_due": next_due(m, st) if is_enabled(m) else None})
    return out


# -- report mode: what a monitor would do, waiting for the admin's Do it ---------------------------

def suggestions() -> list[HealthAction]:
    return list(HealthAction.select().where(HealthAction.status == "suggested")
                .order_by(HealthAction.created_at.desc()).limit(100))


# Each setting that keeps an action report-only: its automatic value, and what the Health page says.
MODES = (
    {"key": "IMPORT_FIX_MODE", "auto": "fix", "what": "Failed imports",
     "listed": "nothing is removed, blocklisted or searched in Sonarr or Radarr until you press Do it",
     "switch": "Fix failed imports automatically from now on",
     "confirm": "Fix failed imports automatically from now on? plexportal will remove them from Sonarr/Radarr's "
                "queue, blocklist the release and search again without asking.",
     "done": "Failed imports will now be fixed automatically."},
    {"key": "STUCK_FIX_MODE", "auto": "auto", "what": "Stuck downloads",
     "listed": "no series refresh is sent to Sonarr until you press Do it",
     "switch": "Refresh stuck series automatically from now on",
     "confirm": "Refresh series in Sonarr automatically from now on when a stuck download waits for an episode "
                "title?",
     "done": "Stuck downloads will now get their series refresh automatically."},
    {"key": "ACCESS_EXPIRY_MODE", "auto": "auto", "what": "Timed access",
     "listed": "no Plex share is ended by the clock until you press Do it",
     "switch": "End timed shares automatically from now on",
     "confirm": "End Plex shares automatically when timed access runs out, without asking?",
     "done": "Timed access will now end on its own, on time."},
)


def modes() -> list[dict]:
    """Each report-only switch with its current value, for the Health page."""
    return [{**m, "value": settings.get(m["key"]), "locked": settings.is_locked(m["key"]),
             "report": settings.get(m["key"]) != m["auto"]} for m in MODES]


def set_automatic(key: str) -> dict:
    """Switch one action to automatic. KeyError for a setting that is not one of MODES."""
    mode = next((m for m in MODES if m["key"] == key), None)
    if mode is None:
        raise KeyError(key)
    settings.set_many({key: mode["auto"]})
    return mode


def sync_access_suggestions() -> int:
    """Report mode for timed access: each share whose time ran out is listed once for Do it (keyed by
    its end, so an extension that runs out again is listed again); one no longer due stops being offered."""
    if settings.get("ACCESS_EXPIRY_MODE") == "auto":
        return 0
    from plexportal.invites import service as invites

    keys, added = [], 0
    for due in invites.timed_access_due_to_end():
        key = f"access-expiry:{due['access_id']}:{due['expires_at'].isoformat()}"
        keys.append(key)
        if HealthAction.select().where(HealthAction.key == key).exists():
            continue
        now = clock.now()
        try:
            with db.atomic():
                HealthAction.create(key=key, monitor="access-expiry", kind="suggestion", subject=due["name"][:300],
                                    status="suggested", created_at=now, updated_at=now,
                                    details={"access_id": due["access_id"],
                                             "expires_at": due["expires_at"].isoformat(),
                                             "would": f"end {due['name']}'s Plex share: their timed access ended "
                                                      f"{fmt.zoned(due['expires_at'])}"})
            added += 1
        except IntegrityError:
            continue
    HealthAction.update(status="stale", updated_at=clock.now()).where(
        (HealthAction.monitor == "access-expiry") & (HealthAction.status == "suggested")
        & HealthAction.key.not_in(keys or [""])).execute()
    return added


def do_suggestion(action_id: int) -> tuple[bool, str]:
    """Carry out one listed suggestion now, if it still applies. (done?, what happened in words)."""
    action = HealthAction.get_or_none((HealthAction.id == action_id) & (HealthAction.status == "suggested"))
    if action is None:
        return False, "That suggestion is not waiting any more (done or dismissed already): nothing was done."
    d = action.details or {}
    if action.monitor in ("stuck", "access-expiry"):
        if action.monitor == "stuck":
            outcome, message = stuck.refresh_now(int(d["series_id"]), str(d["download_id"]))
        else:
            from plexportal.invites import service as invites

            outcome, message = invites.end_timed_access(int(d["access_id"]), str(d["expires_at"]))
        if outcome in ("done", "stale"):
            HealthAction.update(status=outcome, updated_at=clock.now()).where(HealthAction.id == action.id).execute()
        return outcome == "done", message
    service = str(d.get("service", ""))
    run = run_monitor("import-fix", "manual", only={"service": service, "download_id": d.get("download_id"),
                                                    "mode": "fix"})
    now = clock.now()
    if run.found == 0 and not run.errors:
        HealthAction.update(status="stale", updated_at=now).where(HealthAction.id == action.id).execute()
        return False, (f"{action.subject} is no longer waiting in {service.title()}'s queue (imported, or removed "
                       "there): nothing was done.")
    if run.status != "ok":
        return False, f"{action.subject}: {'; '.join(run.errors or []) or 'it did not work'}. Nothing else was changed."
    HealthAction.update(status="done", updated_at=now).where(HealthAction.id == action.id).execute()
    return True, f"Done: {d.get('would', action.subject)}."


def dismiss_suggestion(action_id: int) -> bool:
    return HealthAction.update(status="dismissed", updated_at=clock.now()).where(
        (HealthAction.id == action_id) & (HealthAction.status == "suggested")).execute() == 1
