"""Release and quality. For each request not yet available:
- a film not released yet gets one **Coming soon** message with its release date (digital,
  physical, cinema as known; Radarr's 9999-12-31 means unknown);
- content that is out but still has no file gets one **Waiting for quality** message, held until
  `QUALITY_WAIT_HOURS` after it came out (or after the request was approved, whichever is later):
  the *arr gets that long to find a release in the requested quality profile.
Both are decided the moment Seerr says a request was approved (`decide_for_request`, retried for a
few minutes while the *arr does not know the title yet) and again by the periodic run for anything
missed. Never while the item is in the download queue (the stuck-download monitor owns that), and
both are cancelled if still unsent when a Grab (or an import) webhook arrives. Users choose whether
they want them."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from plexportal.gateways.base import GatewayError
from plexportal.gateways.radarr import Movie
from plexportal.gateways.sonarr import Episode
from plexportal.health import messages
from plexportal.health.monitors import base
from plexportal.i18n import N_, day, english, joined, msg
from plexportal.lib import clock
from plexportal.media import shape
from plexportal.media.models import Follower, MediaRequest
from plexportal.notify import service as outbox
from plexportal.notify.models import Notification

NAME = "quality"
OPEN_REQUESTS = ("pending", "approved")
UNKNOWN = "not known to the *arr yet"


def wait() -> timedelta:
    """How long the *arr gets to find a release in the requested quality once the title is out."""
    return timedelta(hours=base.settings.get_int("QUALITY_WAIT_HOURS"))


def film_dates(movie: Movie) -> dict[str, date]:
    """Known release dates by kind: digital, physical, cinema."""
    found = {"digital": movie.digital_release, "physical": movie.physical_release, "cinema": movie.in_cinemas}
    return {k: v.date() for k, v in found.items() if v}


def film_state(movie: Movie, today: date) -> str:
    """coming_soon | waiting_quality (out, no file) | '' (fine, or nothing to say)."""
    if movie.has_file:
        return ""
    dates = film_dates(movie)
    home = [d for k, d in dates.items() if k in ("digital", "physical")]
    if not home or min(home) > today:
        return "coming_soon"
    return "waiting_quality"


def _due(out_since: datetime | date, request: MediaRequest, at_approval: bool) -> datetime:
    """When "waiting for quality" may go out: QUALITY_WAIT_HOURS after the title came out, or after
    the approval when that is later (decided at approval time, `now` is the approval)."""
    if not isinstance(out_since, datetime):
        out_since = datetime(out_since.year, out_since.month, out_since.day, tzinfo=clock.now().tzinfo)
    start = max(out_since, clock.now()) if at_approval else out_since
    return start + wait()


def _date_words(movie: Movie, today: date) -> dict | list:
    """When the film comes out, as msg() values (written in the reader's language when sent)."""
    dates = film_dates(movie)
    parts = [msg(words, date=day(d)) for words, d in ((N_("digital %(date)s"), dates.get("digital")),
                                                      (N_("on disc %(date)s"), dates.get("physical")),
                                                      (N_("in cinemas %(date)s"), dates.get("cinema"))) if d and d >= today]
    return joined(*parts) if parts else msg(N_("no release date is known yet"))


# The messages, as (subject, text) message ids with their values (see plexportal.i18n.msg).

def coming_soon_said(title: str, when) -> tuple[list, list]:
    return (msg(N_("Coming soon: %(title)s"), title=title),
            msg(N_("%(title)s is not out yet, so it cannot be downloaded. Expected: %(when)s. You will get a "
                   "message as soon as it is ready to watch."), title=title, when=when))


def waiting_film_said(title: str) -> tuple[list, list]:
    return (msg(N_("Waiting for a good copy: %(title)s"), title=title),
            msg(N_("%(title)s is out, but no copy in the quality you asked for has turned up yet. It is being "
                   "looked for every day; you will hear as soon as it is ready."), title=title))


def waiting_episodes_said(title: str, episodes) -> tuple[list, list]:
    return (msg(N_("Waiting for a good copy: %(title)s"), title=title),
            msg(N_("%(episodes)s of %(title)s aired, but no copy in the quality you asked for has turned up "
                   "yet. They are being looked for; you will hear as soon as they are ready."),
                episodes=episodes, title=title))


def _users(request: MediaRequest) -> list:
    users = [f.user for f in Follower.select().where(Follower.request == request)]
    if not users and request.requested_by_id:
        users = [request.requested_by]
    return users


def _send(ctx, request: MediaRequest, kind: str, subject_said: list, text_said: list,
          not_before: datetime | None = None) -> None:
    subject, text = english(subject_said), english(text_said)
    action = base.claim(f"quality:{kind}:{request.id}", NAME, "message", subject)
    if action is None:
        return
    for user in _users(request):
        outbox.notify_user(user, kind, f"quality:{kind}:{request.id}",
                           payload={"subject": subject, "text": text, "subject_say": subject_said,
                                    "text_say": text_said, "request_id": request.id,
                                    "media_type": request.media_type, "tmdb": request.tmdb_id,
                                    "tvdb": request.tvdb_id, "title": request.title},
                           not_before=not_before)
    base.done(action)
    ctx.acted(f"{'Coming soon' if kind == messages.COMING_SOON else 'Waiting for quality'}: {request.title}")


def _films(ctx, requests: list[MediaRequest], today: date, at_approval: bool = False) -> None:
    client = base.radarr_client()
    queued = {i.movie_id for i in client.queue()}
    for request in requests:
        if not request.tmdb_id:
            continue
        movie = client.movie_by_tmdb(request.tmdb_id)
        if movie is None:
            if at_approval:
                ctx.note(f"{request.title}: {UNKNOWN}")
            continue
        if movie.id in queued:
            continue
        state = film_state(movie, today)
        title = request.title or movie.title
        if state == "coming_soon":
            ctx.found += 1
            when = _date_words(movie, today)
            _send(ctx, request, messages.COMING_SOON, *coming_soon_said(title, when))
        elif state == "waiting_quality":
            due = _due(min(d for k, d in film_dates(movie).items() if k in ("digital", "physical")), request,
                       at_approval)
            if not at_approval and due > clock.now():
                continue                  # the *arr still has time; a later run decides
            ctx.found += 1
            _send(ctx, request, messages.WAITING_QUALITY, *waiting_film_said(title), not_before=due)


def _series(ctx, requests: list[MediaRequest], now: datetime, at_approval: bool = False) -> None:
    client = base.sonarr_client()
    queued = {i.episode_id for i in client.queue()}
    for request in requests:
        if not request.tvdb_id:
            continue
        series = client.series_by_tvdb(request.tvdb_id)
        if series is None:
            if at_approval:
                ctx.note(f"{request.title}: {UNKNOWN}")
            continue
        seasons = set(request.seasons or [])
        # (episode, when it aired) for each wanted episode that aired and has no file yet
        missing = [(ep, aired) for ep in client.episodes(series.id)
                   if ep.id not in queued and (aired := _missing_since(ep, seasons, now)) is not None]
        if not at_approval:
            missing = [(ep, aired) for ep, aired in missing if _due(aired, request, False) <= now]
        if missing:
            ctx.found += 1
            title = request.title or series.title
            which = ", ".join(f"S{e.season_number or 0:02d}E{e.episode_number or 0:02d}" for e, _ in missing[:12])
            episodes = (msg(N_("%(episodes)s and %(count)s more"), episodes=which, count=len(missing) - 12)
                        if len(missing) > 12 else which)
            due = _due(min(aired for _, aired in missing), request, at_approval)
            _send(ctx, request, messages.WAITING_QUALITY, *waiting_episodes_said(title, episodes), not_before=due)


def _missing_since(ep: Episode, seasons: set[int], now: datetime) -> datetime | None:
    """When a wanted episode (monitored, of a requested season, not a special) aired, if it did and
    still has no file; None otherwise."""
    if ep.has_file or not ep.monitored or not ep.season_number or (seasons and ep.season_number not in seasons):
        return None
    if ep.air_date_utc is None or ep.air_date_utc > now:
        return None
    return ep.air_date_utc


def decide_for_request(request_id: int) -> str:
    """Seerr approved this request: decide "coming soon" / "waiting for quality" now instead of at
    the next periodic run. Returns UNKNOWN when the *arr does not have the title yet (Seerr hands
    it over around the time it sends the webhook): the caller asks again a little later."""
    request = MediaRequest.get_or_none(MediaRequest.id == request_id)
    if request is None or request.status not in OPEN_REQUESTS:
        return "not open"
    service = "radarr" if request.media_type == "movie" else "sonarr"
    if not base.settings.get(f"{service.upper()}_URL"):
        return f"{service.title()} not connected"
    ctx = base.Context(monitor=NAME, trigger="approval", only={"request_id": request_id})
    now = clock.now()
    try:
        if service == "radarr":
            _films(ctx, [request], now.date(), at_approval=True)
        else:
            _series(ctx, [request], now, at_approval=True)
    except GatewayError as err:
        ctx.upstream_error(service.title(), err)
        return f"upstream error: {err.message}"
    if any(line.endswith(UNKNOWN) for line in ctx.lines):
        return UNKNOWN
    return "; ".join(ctx.lines) or "nothing to say"


def run(ctx) -> None:
    requests = list(MediaRequest.select().where(MediaRequest.status.in_(OPEN_REQUESTS)))
    films = [r for r in requests if r.media_type == "movie"]
    shows = [r for r in requests if r.media_type == "tv"]
    now = clock.now()
    checks: list[tuple[str, list[MediaRequest], Callable[[], None]]] = [
        ("radarr", films, lambda: _films(ctx, films, now.date())),
        ("sonarr", shows, lambda: _series(ctx, shows, now))]
    for service, items, check in checks:
        if not items or not base.settings.get(f"{service.upper()}_URL"):
            continue
        try:
            check()
        except GatewayError as err:
            ctx.upstream_error(service.title(), err)


def cancel_on_grab(service: str, body: dict) -> int:
    """A Grab webhook: the item is on its way, so unsent quality messages for it are moot."""

    if service == "radarr":
        tmdb = shape.int_id(shape.obj(body, "movie").get("tmdbId"), "movie.tmdbId")
        if tmdb is None:
            return 0
        requests = MediaRequest.select(MediaRequest.id).where(
            (MediaRequest.media_type == "movie") & (MediaRequest.tmdb_id == tmdb))
    else:
        tvdb = shape.int_id(shape.obj(body, "series").get("tvdbId"), "series.tvdbId")
        if tvdb is None:
            return 0
        requests = MediaRequest.select(MediaRequest.id).where(
            (MediaRequest.media_type == "tv") & (MediaRequest.tvdb_id == tvdb))
    keys = [f"quality:{kind}:{r.id}" for r in requests for kind in (messages.COMING_SOON, messages.WAITING_QUALITY)]
    if not keys:
        return 0
    # batch_key is cleared too: an open batch holds it, and a later batch must be able to open.
    return (Notification.update(status="cancelled", batch_key=None)
            .where(Notification.group_key.in_(keys) & Notification.status.in_(["collecting", "pending"]))
            .execute())


MONITOR = base.Monitor(NAME, "Release and quality",
                       "Tells people when a film they asked for is not out yet (with its date), or out but not yet "
                       "available in the quality they asked for. Decided when a request is approved, and checked "
                       "again on this schedule. Users choose whether they want these.", run,
                       default_interval=360, settings=("QUALITY_WAIT_HOURS",))
