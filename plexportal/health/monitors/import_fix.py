"""Failed-import auto-fix. Downloads that cannot be imported show up as queue items in
importBlocked (also announced by the ManualInteractionRequired webhook) or importPending with a
warning such as "No files found are eligible for import" (only visible by polling). In `fix` mode
the release is removed from the queue with blocklist=true and skipRedownload=true (so the *arr does
not search by itself), then exactly one search for the affected episodes or film is sent and the
admin is told. `notify` only tells the admin; `off` only reports on the monitor's page."""
from __future__ import annotations

from collections import defaultdict

from plexportal.gateways.base import GatewayError
from plexportal.health.monitors import base
from plexportal.lib import clock
from plexportal.notify import service as outbox
from plexportal.settings import service as settings

NAME = "import-fix"
BLOCKED = "importblocked"
PENDING = "importpending"


def is_failed_import(items) -> bool:
    first = items[0]
    state = first.tracked_state.lower()
    if state == BLOCKED:
        return True
    # importPending is normal for a moment; only a warning with a reason means it will not import.
    return state == PENDING and first.tracked_status in ("warning", "error") and bool(first.messages)


def _describe(service: str, items) -> tuple[str, str]:
    first = items[0]
    what = first.media_title or first.title
    episodes = episode_words(items)
    reasons = sorted({m for i in items for m in i.messages}) or [first.error_message or first.tracked_state]
    lines = [f"Title: {what}", f"Release: {first.title}"]
    if episodes:
        lines.append("Episodes: " + episodes)
    lines.append("Why it could not be imported:")
    lines.extend(f"  - {r}" for r in reasons)
    return what, "\n".join(lines)


def episode_words(items) -> str:
    """'S01E03 · Title, S01E04 · Title': episodes as people name them (ids stay in the details)."""
    seen, words = set(), []
    for i in sorted(items, key=lambda i: (i.season_number or 0, i.episode_number or 0)):
        if i.season_number is None or i.episode_number is None or (i.season_number, i.episode_number) in seen:
            continue
        seen.add((i.season_number, i.episode_number))
        code = f"S{i.season_number:02d}E{i.episode_number:02d}"
        words.append(f"{code} · {i.episode_title}" if i.episode_title else code)
    return ", ".join(words)


def _search(service: str, client, items) -> str:
    what = items[0].media_title or items[0].title
    if service == "sonarr":
        ids = sorted({i.episode_id for i in items if i.episode_id})
        client.episode_search(ids)
        episodes = episode_words(items)
        return f"searched {what} {episodes}" if episodes else f"searched {what}"
    ids = sorted({i.movie_id for i in items if i.movie_id})
    client.movies_search(ids)
    return f"searched {what}"


def fix_download(ctx, service: str, client, items, mode: str) -> None:
    download_id = items[0].download_id
    what, details = _describe(service, items)
    if mode == "notify":
        action = base.claim(f"import-fix:notify:{service}:{download_id}", NAME, "alert", what)
        if action is None:
            ctx.note(f"already reported: {items[0].title}")
            return
        outbox.queue_admin_alert(f"Import needs attention: {what}"[:300],
                                 f"{service.title()} could not import a download.\n{details}\n\n"
                                 "IMPORT_FIX_MODE is 'notify', so nothing was changed.",
                                 kind="health.import_fix", dedup_key=f"import-fix:notify:{service}:{download_id}")
        base.done(action)
        ctx.acted(f"told the admin about {items[0].title}")
        return
    action = base.claim(f"import-fix:{service}:{download_id}", NAME, "fix", what,
                        {"queue_id": items[0].id, "episode_ids": [i.episode_id for i in items if i.episode_id],
                         "movie_id": items[0].movie_id})
    if action is None:
        ctx.note(f"already fixed: {items[0].title}")
        return
    # Two steps, each recorded: a retry after a failed search must not remove (or blocklist) again.
    steps = dict(action.details or {})
    try:
        if not steps.get("removed"):
            client.remove_from_queue(items[0].id, blocklist=True, skip_redownload=True, remove_from_client=True)
            steps["removed"] = True
            base.HealthAction.update(details=steps).where(base.HealthAction.id == action.id).execute()
        searched = _search(service, client, items)
    except GatewayError as err:
        if err.status == 404 and not steps.get("removed"):
            base.failed(action, "gone from the queue before it could be removed")
        else:
            base.failed(action, err)
        ctx.upstream_error(service.title(), err)
        return
    base.done(action, searched=searched, removed=True)
    outbox.queue_admin_alert(f"Fixed a failed import: {what}"[:300],
                             f"{service.title()} could not import a download, so plexportal removed it from the "
                             f"queue, blocklisted the release and {searched.replace('searched', 'searched again for')}.\n"
                             f"{details}",
                             kind="health.import_fix", dedup_key=f"import-fix:{service}:{download_id}")
    ctx.acted(f"removed and blocklisted {items[0].title}; {searched}")


SUGGESTED = "suggested"     # a HealthAction status: waiting for the admin's Do it (report mode)


def suggest(ctx, service: str, items) -> None:
    """Report mode: record what a fix would do, for the Health page's Do it. Nothing changes."""
    what = items[0].media_title or items[0].title
    episodes = episode_words(items) if service == "sonarr" else ""
    would = (f"remove {items[0].title} from {service.title()}'s queue, blocklist it and search "
             f"{what}{' ' + episodes if episodes else ''} again")
    action = base.claim(f"import-fix:suggest:{service}:{items[0].download_id}", NAME, "suggestion", what,
                        {"service": service, "download_id": items[0].download_id, "would": would})
    if action is None:
        ctx.note(f"already listed for Do it: {items[0].title}")
        return
    base.HealthAction.update(status=SUGGESTED).where(base.HealthAction.id == action.id).execute()
    ctx.note(f"would {would} (report only: Do it on the Health page)")


def check_service(ctx, service: str, client) -> None:
    mode = ctx.only.get("mode") or settings.get("IMPORT_FIX_MODE")
    groups = defaultdict(list)
    for item in client.queue():
        if item.download_id:
            groups[item.download_id].append(item)
    wanted = ctx.only.get("download_id")
    listed: set[str] = set()
    for download_id, items in groups.items():
        if wanted and download_id.lower() != wanted.lower():
            continue
        if not is_failed_import(items):
            continue
        ctx.found += 1
        if mode == "off":
            ctx.note(f"cannot import (mode off, left alone): {items[0].title}")
            continue
        if mode == "report":
            suggest(ctx, service, items)
            listed.add(download_id)
            continue
        fix_download(ctx, service, client, items, mode)
    if mode == "report" and not wanted:
        # A listed download that imported or was removed in the *arr meanwhile: no longer offered.
        base.HealthAction.update(status="stale", updated_at=clock.now()).where(
            (base.HealthAction.monitor == NAME) & (base.HealthAction.status == SUGGESTED)
            & base.HealthAction.key.startswith(f"import-fix:suggest:{service}:")
            & base.HealthAction.key.not_in([f"import-fix:suggest:{service}:{d}" for d in listed] or [""])).execute()


run = base.per_arr(check_service)


MONITOR = base.Monitor(NAME, "Failed imports",
                       "Downloads Sonarr/Radarr cannot import are removed with blocklist, searched once again "
                       "for exactly the affected episodes or film, and reported to the admin. On a new install "
                       "it only lists what it would do, each with a Do it button.", run,
                       default_interval=15, settings=("IMPORT_FIX_MODE",))
