"""Stuck downloads: items stalled, failed, or with no progress past a threshold, grouped by
downloadId (Sonarr has one queue record per episode). One admin alert per item until it is resolved;
an episode still titled TBA gets one series refresh, not one per run."""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from plexportal.db import db
from plexportal.gateways.base import GatewayError
from plexportal.health.models import DownloadWatch
from plexportal.health.monitors import base
from plexportal.lib import clock, fmt
from plexportal.notify import service as outbox
from plexportal.settings import service as settings

NAME = "stuck"
# import-fix owns the import states; these are the client-side problems.
IMPORT_STATES = {"importblocked", "importpending", "importing", "imported"}
FAILED_STATES = {"failed", "failedpending"}
ACTIVE = {"downloading", "queued"}      # a paused item was paused on purpose


def problem_of(items, watch: DownloadWatch | None, threshold: timedelta) -> str:
    """Why this download is stuck, in words; '' when it is fine."""
    first = items[0]
    state = first.tracked_state.lower()
    if state in IMPORT_STATES:
        return ""
    if first.status == "failed" or state in FAILED_STATES or first.tracked_status == "error":
        return "failed: " + (first.error_message or "; ".join(first.messages) or "the download client reports it failed")
    if first.status == "warning":
        return "stalled: " + (first.error_message or "; ".join(first.messages) or "the download client reports a warning")
    if first.status in ACTIVE and watch is not None and clock.now() - watch.progress_at >= threshold:
        minutes = int((clock.now() - watch.progress_at).total_seconds() // 60)
        return f"no progress for {minutes} minutes"
    return ""


def _observe(service: str, download_id: str, items) -> DownloadWatch:
    now = clock.now()
    sizeleft = int(sum(i.sizeleft for i in items))
    watch = DownloadWatch.get_or_none((DownloadWatch.service == service) & (DownloadWatch.download_id == download_id))
    if watch is None:
        return DownloadWatch.create(service=service, download_id=download_id, title=items[0].title[:500],
                                    sizeleft=sizeleft, first_seen_at=now, last_seen_at=now, progress_at=now)
    watch.last_seen_at = now
    if sizeleft < watch.sizeleft:
        watch.progress_at = now
    watch.sizeleft = sizeleft
    watch.save()
    return watch


def _alert(service: str, watch: DownloadWatch, items, problem: str) -> None:
    first = items[0]
    what = first.media_title or first.title
    episodes = ", ".join(f"S{i.season_number:02d}E{i.episode_number:02d}" for i in items
                         if i.season_number is not None and i.episode_number is not None)
    text = "\n".join(filter(None, [
        f"{service.title()} download looks stuck: {problem}",
        f"Title: {what}", f"Release: {first.title}", f"Episodes: {episodes}" if episodes else "",
        f"Client: {first.download_client} ({first.protocol})", f"Download id: {watch.download_id}",
        f"In the queue since {fmt.zoned(watch.first_seen_at)}.",
    ]))
    # Text only: the outbox escapes it when it builds the HTML part, so names cannot inject markup.
    outbox.queue_admin_alert(f"Stuck download: {what}"[:300], text, kind="health.stuck",
                             dedup_key=f"stuck:{service}:{watch.download_id}:{watch.id}:{watch.alerts}",
                             payload={"service": service, "download_id": watch.download_id, "problem": problem})


SUGGESTED = "suggested"     # a HealthAction status: waiting for the admin's Do it (report mode)


def _tba_series(items) -> list[int]:
    return sorted({i.series_id for i in items if i.series_id and i.episode_title.strip().upper() == "TBA"})


def _suggest_refresh(ctx, items, series_id: int) -> None:
    what = items[0].media_title or f"series {series_id}"
    would = f"refresh {what} in Sonarr (an episode of {items[0].title} is still titled TBA)"
    action = base.claim(f"stuck:suggest:{series_id}:{items[0].download_id}", NAME, "suggestion", what,
                        {"service": "sonarr", "series_id": series_id, "download_id": items[0].download_id,
                         "would": would})
    if action is None:
        return
    base.HealthAction.update(status=SUGGESTED).where(base.HealthAction.id == action.id).execute()
    ctx.note(f"would {would} (report only: Do it on the Health page)")


def refresh_now(series_id: int, download_id: str) -> tuple[str, str]:
    """The admin's yes to a listed refresh: ("done" | "stale" | "failed", words). Stale, with nothing
    sent, when the download left Sonarr's queue or no episode of it is titled TBA any more."""
    client = base.sonarr_client()
    try:
        items = [i for i in client.queue() if (i.download_id or "").lower() == download_id.lower()]
    except GatewayError as err:
        return "failed", f"Sonarr did not answer ({err.message}): nothing was changed."
    if series_id not in _tba_series(items):
        return "stale", ("That download is no longer stuck waiting for an episode title (it left Sonarr's queue, or "
                         "the title arrived): nothing was done.")
    try:
        client.refresh_series(series_id)
    except GatewayError as err:
        return "failed", f"Sonarr did not take the refresh ({err.message})."
    action = base.claim(f"stuck:refresh:{series_id}:{download_id}", NAME, "refresh", f"Refresh series {series_id}")
    if action is not None:
        base.done(action)
    return "done", f"Done: refreshed {items[0].media_title or f'series {series_id}'} in Sonarr."


def _refresh_tba(ctx, service: str, client, items) -> None:
    if service != "sonarr":
        return
    report = settings.get("STUCK_FIX_MODE") != "auto"
    for series_id in _tba_series(items):
        if report:
            if not base.is_done(f"stuck:refresh:{series_id}:{items[0].download_id}"):
                _suggest_refresh(ctx, items, series_id)
            continue
        if base.HealthAction.select().where((base.HealthAction.key == f"stuck:suggest:{series_id}:{items[0].download_id}")
                                            & (base.HealthAction.status == "dismissed")).exists():
            continue                                       # the admin said no to this one
        action = base.claim(f"stuck:refresh:{series_id}:{items[0].download_id}", NAME, "refresh",
                            f"Refresh series {series_id}")
        if action is None:
            continue
        try:
            client.refresh_series(series_id)
        except GatewayError as err:
            base.failed(action, err)
            ctx.upstream_error(service, err)
            continue
        base.done(action)
        ctx.acted(f"refreshed series {series_id} ({items[0].media_title}): an episode is still titled TBA")


def check_service(ctx, service: str, client) -> None:
    threshold = timedelta(minutes=settings.get_int("STUCK_NO_PROGRESS_MINUTES"))
    queue = client.queue()                                 # network first, no transaction open
    groups = defaultdict(list)
    for item in queue:
        if item.download_id:
            groups[item.download_id].append(item)
    for download_id, items in groups.items():
        with db.atomic():
            watch = _observe(service, download_id, items)
        problem = problem_of(items, watch, threshold)
        if not problem:
            if watch.alerted_at is not None:
                DownloadWatch.update(alerted_at=None, problem="").where(DownloadWatch.id == watch.id).execute()
                ctx.note(f"{items[0].title}: moving again")
            continue
        ctx.found += 1
        if watch.alerted_at is None:
            # "alerted" and the alert itself commit together (law 13): a crash in between can
            # neither lose the alert nor send it without the flag.
            with db.atomic():
                claimed = (DownloadWatch.update(alerted_at=clock.now(), problem=problem[:300],
                                                alerts=DownloadWatch.alerts + 1)
                           .where((DownloadWatch.id == watch.id) & DownloadWatch.alerted_at.is_null()).execute())
                if claimed:
                    watch = DownloadWatch.get_by_id(watch.id)
                    _alert(service, watch, items, problem)
            if claimed:
                ctx.acted(f"alerted: {items[0].title} ({problem})")
        else:
            ctx.note(f"still stuck (already alerted): {items[0].title} ({problem})")
        _refresh_tba(ctx, service, client, items)
    # A listed refresh whose download left the queue is no longer offered.
    listed = base.HealthAction.select().where((base.HealthAction.monitor == NAME)
                                              & (base.HealthAction.status == SUGGESTED))
    left = [a.id for a in listed if (a.details or {}).get("download_id") not in groups]
    if left and service == "sonarr":
        base.HealthAction.update(status="stale", updated_at=clock.now()).where(
            base.HealthAction.id.in_(left)).execute()
    # Gone from the queue: imported, removed or failed over; forget it.
    gone = (DownloadWatch.delete().where((DownloadWatch.service == service)
                                         & DownloadWatch.download_id.not_in(list(groups) or [""])).execute())
    if gone:
        ctx.note(f"{gone} download(s) left the {service.title()} queue")


run = base.per_arr(check_service)


MONITOR = base.Monitor(NAME, "Stuck downloads",
                       "Downloads that stalled, failed or stopped making progress raise one admin alert each; "
                       "episodes still titled TBA get one series refresh (on a new install only listed, with "
                       "a Do it button).", run, default_interval=30,
                       settings=("STUCK_FIX_MODE", "STUCK_NO_PROGRESS_MINUTES"))
