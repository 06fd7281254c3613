"""Requests, arrivals and who hears about them. Matching is by ids only (DESIGN law 5):
tvdbId then tmdbId for series, tmdbId then imdbId for films.

Every step is idempotent through unique rows: an `Arrival` per item ever imported, an
`Announcement` per user and item ever handed to the outbox. So replays, reprocessing, races
between two webhooks for one series, and events arriving out of order all end in one message.

A series Seerr says is available, with no episode of a requested season known, is recorded as the
whole season (episode WHOLE_SEASON). A person hears about a season either episode by episode or as
a whole, never both: see `_one_way_per_season`.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from peewee import IntegrityError

from plexportal.auth.models import User
from plexportal.db import db
from plexportal.lib import clock
from plexportal.media import parsing
from plexportal.media.models import WHOLE_SEASON, Announcement, Arrival, Follower, MediaRequest
from plexportal.notify import service as notify

log = logging.getLogger(__name__)

KIND = "media.ready"
# A later event never moves a request backwards (Seerr's webhooks can arrive out of order).
RANK = {"pending": 0, "approved": 1, "failed": 1, "declined": 1, "available": 2}
# Episodes of a season someone was told about as a whole, arriving up to this long after that
# message, are the same import reported late (a delayed webhook, the reconciliation monitor, which
# looks back 48 hours by default): they are not announced to that person again.
SEASON_COVERS = timedelta(hours=48)
# How long after a request changes its imports still go through all of its arrivals (announce()).
FULL_PASS_MARGIN = timedelta(minutes=1)
# Followers told in one transaction, with a few statements for all of them (their rows locked,
# their announcements stored, their messages added to): one transaction per Download at any usual
# number of followers, while the write lock is held for a few milliseconds only (webhooks
# arriving meanwhile wait for it).
ANNOUNCE_CHUNK = 100


def media_key(media_type: str, tvdb_id=None, tmdb_id=None, imdb_id=None) -> str | None:
    if media_type == "tv":
        return f"tvdb:{tvdb_id}" if tvdb_id else (f"tmdb:{tmdb_id}" if tmdb_id else None)
    return f"tmdb:{tmdb_id}" if tmdb_id else (f"imdb:{imdb_id}" if imdb_id else None)


def request_key(req: MediaRequest) -> str | None:
    return media_key(req.media_type, req.tvdb_id, req.tmdb_id, req.imdb_id)


def find_requests(media_type: str, tvdb_id=None, tmdb_id=None, imdb_id=None) -> list[MediaRequest]:
    base = MediaRequest.select().where((MediaRequest.media_type == media_type)
                                       & (MediaRequest.status != "declined"))
    order = ([("tvdb", tvdb_id), ("tmdb", tmdb_id)] if media_type == "tv"
             else [("tmdb", tmdb_id), ("imdb", imdb_id)])
    for name, value in order:
        if value:
            found = list(base.where(getattr(MediaRequest, f"{name}_id") == value).order_by(MediaRequest.id))
            if found:
                return found
    return []


def _series_filter(req: MediaRequest):
    """The condition that picks this request's arrivals, by the same id order as find_requests:
    the first id that has any arrival at all (a keyed look-up on the arrival's id indexes)."""
    order = ([("tvdb", req.tvdb_id), ("tmdb", req.tmdb_id)] if req.media_type == "tv"
             else [("tmdb", req.tmdb_id), ("imdb", req.imdb_id)])
    for name, value in order:
        if value:
            cond = (getattr(Arrival, f"{name}_id") == value) & (Arrival.media_type == req.media_type)
            if Arrival.select(Arrival.id).where(cond).limit(1).exists():
                return cond
    return None


def arrivals_for(req: MediaRequest, items=None) -> list[Arrival]:
    """The imported items that belong to this request, by the same id order; with `items` (a
    collection of (season, episode)), only those: keyed look-ups, whatever the show's history."""
    cond = _series_filter(req)
    if cond is None:
        return []
    if items is not None:
        pairs = set(items)
        if not pairs:
            return []
        cond &= (Arrival.season.in_(sorted({s for s, _ in pairs}))
                 & Arrival.episode.in_(sorted({e for _, e in pairs})))
    found = list(Arrival.select().where(cond).order_by(Arrival.season, Arrival.episode))
    return found if items is None else [a for a in found if (a.season, a.episode) in pairs]


# -- users ------------------------------------------------------------------------------------

def find_or_create_user(*, email: str = "", username: str = "", seerr_user_id: int | None = None,
                        plex_user_id: int | None = None, avatar: str = "",
                        jellyfin_user_id: str | None = None) -> User | None:
    """The person Seerr names (a webhook's requester, a synced Seerr user): see people.identity."""
    from plexportal.people import service as people

    return people.find_or_create_person("seerr", email=email, display_name=username, seerr_user_id=seerr_user_id,
                                        plex_user_id=plex_user_id, avatar=avatar,
                                        jellyfin_user_id=jellyfin_user_id)


# -- requests ---------------------------------------------------------------------------------

def upsert_request(*, seerr_request_id: int | None, media_type: str, status: str, user: User | None,
                   tmdb_id=None, tvdb_id=None, imdb_id=None, title: str = "", year=None, poster_url: str = "",
                   overview: str = "", seasons=None, is_4k: bool = False, origin: str = "webhook") -> MediaRequest:
    now = clock.now()
    with db.atomic():
        req = (MediaRequest.get_or_none(MediaRequest.seerr_request_id == seerr_request_id)
               if seerr_request_id else None)
        if req is None:
            try:
                with db.atomic():
                    req = MediaRequest.create(seerr_request_id=seerr_request_id, media_type=media_type,
                                              status=status, requested_by=user, tmdb_id=tmdb_id, tvdb_id=tvdb_id,
                                              imdb_id=imdb_id, title=title, year=year, poster_url=poster_url,
                                              overview=overview, seasons=seasons or [], is_4k=is_4k,
                                              origin=origin, created_at=now, updated_at=now)
            except IntegrityError:
                req = MediaRequest.get(MediaRequest.seerr_request_id == seerr_request_id)
        changes: dict[str, object] = {"updated_at": now}
        if RANK.get(status, 0) >= RANK.get(req.status, 0) and status != req.status:
            changes["status"] = status
        for name, value in (("tmdb_id", tmdb_id), ("tvdb_id", tvdb_id), ("imdb_id", imdb_id), ("title", title),
                            ("year", year), ("poster_url", poster_url), ("overview", overview)):
            if value and not getattr(req, name):
                changes[name] = value
        if seasons and not req.seasons:
            changes["seasons"] = seasons
        if user is not None and req.requested_by_id is None:
            changes["requested_by"] = user
        MediaRequest.update(changes).where(MediaRequest.id == req.id).execute()
        if user is not None:
            add_follower(req, user, role="requester")
    return MediaRequest.get_by_id(req.id)


def add_follower(req: MediaRequest, user: User, role: str = "follower") -> bool:
    try:
        with db.atomic():
            Follower.create(request=req, user=user, role=role, created_at=clock.now())
            if role == "requester":
                # A requester hears about everything that already arrived: the next announcement
                # of this request goes through all of it (announce()).
                MediaRequest.update(updated_at=clock.now()).where(MediaRequest.id == req.id).execute()
        return True
    except IntegrityError:
        return False


def remove_follower(req: MediaRequest, user: User) -> bool:
    return Follower.delete().where((Follower.request == req) & (Follower.user == user)
                                   & (Follower.role != "requester")).execute() > 0


def apply_seerr_request(parsed: parsing.Parsed) -> tuple[str, str]:
    r, media_type = parsed.request, parsed.media_type
    if r is None or media_type is None:
        # parsing.parse refuses a request event without them; a caller that skipped it gets an
        # outcome the inbox can show instead of a crash.
        return "failed", "Not understood: a Seerr request event without its request or media type."
    user = find_or_create_user(email=r.email, username=r.username, avatar=r.avatar)
    req = upsert_request(seerr_request_id=r.request_id, media_type=media_type, status=r.status, user=user,
                         tmdb_id=parsed.tmdb_id, tvdb_id=parsed.tvdb_id, title=parsed.title, year=parsed.year,
                         poster_url=parsed.poster_url, overview=parsed.overview, seasons=r.seasons)
    who = user.name if user else "unknown requester"
    if req.status == "declined":
        return "processed", f"Request {r.request_id} for {req.title or 'a title'} declined ({who})."
    note = ""
    if r.status == "available" and req.media_type == "movie":
        # Seerr saw the film in the library: as good as a Radarr import for a film.
        _record_arrival("movie", parsing.Episode(0, 0, req.title), req.title, req.tmdb_id, None, req.imdb_id, None)
    elif r.status == "available" and req.media_type == "tv":
        note = _record_whole_seasons(req, r.seasons or req.seasons or [])
    sent = announce(req)
    extra = f"; {sent} item(s) announced" if sent else ""
    return "processed", f"Request {r.request_id} for {req.title or 'a title'} is {req.status} ({who}){note}{extra}."


def _seasons_words(seasons) -> str:
    return ("season " if len(seasons) == 1 else "seasons ") + ", ".join(str(s) for s in sorted(seasons))


def _record_whole_seasons(req: MediaRequest, seasons: list[int]) -> str:
    """Seerr saw the request's seasons in the library: record each season no episode is known of
    as a whole-season arrival (episodes already reported by Sonarr say it better). Returns words
    for the inbox outcome."""
    if not seasons:
        # Seerr's default payload always names the requested seasons; a custom one may not.
        return "; Seerr named no seasons, so none is announced as a whole"
    ids = []
    if req.tvdb_id:
        ids.append(Arrival.tvdb_id == req.tvdb_id)
    if req.tmdb_id:
        ids.append(Arrival.tmdb_id == req.tmdb_id)
    if not ids:
        return ""
    same_series = ids[0] if len(ids) == 1 else (ids[0] | ids[1])
    with_episodes = {s for (s,) in Arrival.select(Arrival.season).distinct()
                     .where((Arrival.media_type == "tv") & same_series & (Arrival.episode != WHOLE_SEASON)
                            & Arrival.season.in_(seasons)).tuples()}
    for season in sorted(set(seasons) - with_episodes):
        _record_arrival("tv", parsing.Episode(season, WHOLE_SEASON, ""), req.title, req.tmdb_id, req.tvdb_id,
                        req.imdb_id, None)
    whole = sorted(set(seasons) - with_episodes)
    parts = []
    if whole:
        parts.append(f"{_seasons_words(whole)} in the library")
    if with_episodes:
        parts.append(f"{_seasons_words(with_episodes)} known episode by episode")
    return "; " + ", ".join(parts)


# -- arrivals and announcements -----------------------------------------------------------------

def _record_arrival(media_type, ep: parsing.Episode, series_title, tmdb_id, tvdb_id, imdb_id, event_id) -> bool:
    key = media_key(media_type, tvdb_id, tmdb_id, imdb_id)
    if key is None:
        return False
    try:
        with db.atomic():
            Arrival.create(media_type=media_type, media_key=key, season=ep.season, episode=ep.episode,
                           title=ep.title[:300], series_title=series_title[:300], tmdb_id=tmdb_id, tvdb_id=tvdb_id,
                           imdb_id=imdb_id, event=event_id, arrived_at=clock.now())
        return True
    except IntegrityError:
        return False                      # already known: a replay, an upgrade, or Import Complete after per-file


def record_import(event_id: int | None, parsed: parsing.Parsed) -> tuple[str, str]:
    """Record what an import brought (`event_id`: its webhook, None when no webhook told us) and
    announce it."""
    media_type = parsed.media_type
    if media_type is None:
        # parsing.parse refuses an import without a series or film; see apply_seerr_request.
        return "failed", "Not understood: an import without a series or film."
    items = parsed.episodes if media_type == "tv" else [parsing.Episode(0, 0, parsed.title)]
    new = sum(_record_arrival(media_type, ep, parsed.title, parsed.tmdb_id, parsed.tvdb_id, parsed.imdb_id,
                              event_id) for ep in items)
    what = describe(parsed.title, items, media_type)
    requests = find_requests(media_type, parsed.tvdb_id, parsed.tmdb_id, parsed.imdb_id)
    if not requests:
        ids = media_key(media_type, parsed.tvdb_id, parsed.tmdb_id, parsed.imdb_id)
        return "unmatched", (f"{what} imported, but no request has {ids} yet; it will be announced if one "
                             f"arrives.")
    # Only what this import reported: anything older was announced when it arrived, or is by the
    # full pass a request's own events run (apply_seerr_request, match_pending_arrivals).
    keys = {(ep.season, ep.episode) for ep in items} if media_type == "tv" else {(0, 0)}
    sent = sum(announce(req, keys) for req in requests)
    upgrade = " (upgrade)" if parsed.is_upgrade else ""
    if sent:
        return "processed", f"{what}{upgrade}: {sent} announcement(s) queued."
    return "processed", f"{what}{upgrade}: already announced{'' if new else ', nothing new'}."


def record_imports(imports: list[tuple[int, parsing.Parsed]]) -> dict[int, tuple[str, str]]:
    """record_import() for many imports at once, in their order (a burst of Downloads, one
    transaction: the caller's): {event id: (status, outcome)}, each what record_import() would have
    said for it, one by one in this order. Everyone hears about the same items in the same order;
    what is shared is read and written once for all of them: the arrivals stored in one INSERT, each
    request's followers, announcements and destinations read once, and each person's message added
    to once for everything the imports brought them."""
    out: dict[int, tuple[str, str]] = {}
    todo = []
    for event_id, parsed in imports:
        if parsed.media_type is None:
            out[event_id] = ("failed", "Not understood: an import without a series or film.")
            continue
        items = parsed.episodes if parsed.media_type == "tv" else [parsing.Episode(0, 0, parsed.title)]
        todo.append((event_id, parsed, parsed.media_type, items))
    new = _store_arrivals(todo)
    by_ids: dict[tuple, list[MediaRequest]] = {}
    brought: dict[int, tuple[MediaRequest, dict[tuple[int, int], int]]] = {}   # request id: (it, {item: event})
    for event_id, parsed, media_type, items in todo:
        ids = (parsed.tvdb_id, parsed.tmdb_id, parsed.imdb_id)
        if (media_type, *ids) not in by_ids:
            by_ids[(media_type, *ids)] = find_requests(media_type, *ids)
        for req in by_ids[(media_type, *ids)]:
            keys = brought.setdefault(req.id, (req, {}))[1]
            for ep in items:
                keys.setdefault((ep.season, ep.episode), event_id)
    sent: dict[int, int] = {}
    # Requests in id order, so that two transactions taking followers' rows take them in one order.
    for req, keys in sorted(brought.values(), key=lambda b: b[0].id):
        first = next(iter(keys.values()))
        for _user, arrivals in announce_to_whom(req, set(keys), brought=keys):
            for a in arrivals:
                # An item announced here belongs to the import that first brought it (one from
                # before, told by a request's full pass, to the request's first import here).
                event_id = keys.get((a.season, a.episode), first)
                sent[event_id] = sent.get(event_id, 0) + 1
    for event_id, parsed, media_type, items in todo:
        what = describe(parsed.title, items, media_type)
        if not by_ids[(media_type, parsed.tvdb_id, parsed.tmdb_id, parsed.imdb_id)]:
            key = media_key(media_type, parsed.tvdb_id, parsed.tmdb_id, parsed.imdb_id)
            out[event_id] = ("unmatched", (f"{what} imported, but no request has {key} yet; it will be announced "
                                           f"if one arrives."))
            continue
        upgrade = " (upgrade)" if parsed.is_upgrade else ""
        if sent.get(event_id):
            out[event_id] = ("processed", f"{what}{upgrade}: {sent[event_id]} announcement(s) queued.")
        else:
            out[event_id] = ("processed", f"{what}{upgrade}: already announced{'' if new.get(event_id) else ', nothing new'}.")
    return out


_ARRIVAL_COLUMNS = ("media_type", "media_key", "season", "episode", "title", "series_title", "tmdb_id", "tvdb_id",
                    "imdb_id", "event", "arrived_at")


def _store_arrivals(todo: list) -> dict[int, int]:
    """The arrivals of these imports [(event id, parsed, media type, items)], in one INSERT that skips those
    already known; returns {event id: how many it brought first}. Written by hand: the statement
    says which rows it stored (RETURNING), which peewee does not ask SQLite for."""
    rows: dict[tuple, tuple] = {}                   # (key, season, episode): (event id, values)
    now = clock.now()
    for event_id, parsed, media_type, items in todo:
        key = media_key(media_type, parsed.tvdb_id, parsed.tmdb_id, parsed.imdb_id)
        if key is None:
            continue
        for ep in items:
            if (key, ep.season, ep.episode) not in rows:
                rows[(key, ep.season, ep.episode)] = (event_id, (
                    media_type, key, ep.season, ep.episode, ep.title[:300], parsed.title[:300],
                    parsed.tmdb_id, parsed.tvdb_id, parsed.imdb_id, event_id, now))
    if not rows:
        return {}
    fields = [Arrival._meta.fields[name] for name in _ARRIVAL_COLUMNS]
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    one = "(" + ", ".join([db.param] * len(fields)) + ")"
    stored: set[tuple] = set()
    entries = list(rows.values())
    for start in range(0, len(entries), 500):
        chunk = entries[start:start + 500]
        # Only the table's and columns' names and placeholders are written into the text.
        sql = (f'INSERT INTO "{Arrival._meta.table_name}" ({columns}) '  # nosec B608
               f'VALUES {", ".join([one] * len(chunk))} ON CONFLICT DO NOTHING '
               'RETURNING "media_key", "season", "episode"')
        params = [f.db_value(v) for _, values in chunk for f, v in zip(fields, values, strict=True)]
        stored |= {tuple(r) for r in db.execute_sql(sql, params).fetchall()}
    new: dict[int, int] = {}
    for k in stored:
        event_id = rows[k][0]
        new[event_id] = new.get(event_id, 0) + 1
    return new


def describe(title: str, items: list[parsing.Episode], media_type: str) -> str:
    if media_type != "tv":
        return title or "Film"
    eps = ", ".join(f"S{e.season:02d}E{e.episode:02d}" for e in items[:6])
    more = f" +{len(items) - 6}" if len(items) > 6 else ""
    return f"{title} {eps}{more}".strip()


def payload_for(req: MediaRequest) -> dict:
    return {"media_type": req.media_type, "title": req.title, "year": req.year, "poster_url": req.poster_url,
            "overview": req.overview[:1000], "ids": {"tmdb": req.tmdb_id, "tvdb": req.tvdb_id, "imdb": req.imdb_id},
            "request_id": req.id, "items": [], "watch_url": ""}


def announce(req: MediaRequest, items=None) -> int:
    return sum(len(told) for _, told in announce_to_whom(req, items))


def announce_to_whom(req: MediaRequest, items=None,
                     brought: dict | None = None) -> list[tuple[User, list[Arrival]]]:
    """Hand arrived items of this request to the outbox for each follower not told yet.

    Without `items`, every arrived item is considered (a request seen for the first time, a sync).
    With `items` ((season, episode) pairs: what one import reported), only those are: what a
    Download costs then depends on what it brought, not on how many episodes came before it.
    That holds once a full pass has gone through the request as it is now (`_full_pass_due`):
    until then, `items` is ignored, so a requester added by a sync, a request whose ids were
    filled in or one that is no longer declined still hears about everything that came before.

    announce() returns how many items were handed on; announce_to_whom() returns them, [(user,
    arrivals)]. `brought` ({(season, episode): import}, in the order the imports came) is for many
    imports at once: each person's items go in that order, and their message is held as if each
    import had been added on its own (one extend delay per import that brought them something)."""
    if items is not None and _full_pass_due(req):
        items = None
    started = clock.now()
    told = _announce(req, items, brought)
    if items is None:
        (MediaRequest.update(full_pass_at=started)
         .where((MediaRequest.id == req.id)
                & (MediaRequest.full_pass_at.is_null() | (MediaRequest.full_pass_at < started)))
         .execute())
    return told


def _full_pass_due(req: MediaRequest) -> bool:
    # A change committed a moment after a pass started reading may not have been seen by it:
    # a pass counts only for changes made well before it.
    return req.full_pass_at is None or req.full_pass_at < req.updated_at + FULL_PASS_MARGIN


def _announce(req: MediaRequest, items, brought: dict | None = None) -> list[tuple[User, list[Arrival]]]:
    if req.status == "declined":
        return []
    arrivals = arrivals_for(req, items)
    if req.media_type == "tv" and req.seasons:
        arrivals = [a for a in arrivals if a.season in req.seasons]
    if not arrivals:
        return []
    if brought:
        rank = {key: n for n, key in enumerate(brought)}
        arrivals.sort(key=lambda a: (rank.get((a.season, a.episode), len(rank)), a.season, a.episode))
    unlinked = [a.id for a in arrivals if a.request_id is None]
    if unlinked:
        Arrival.update(request=req).where((Arrival.id.in_(unlinked)) & (Arrival.request.is_null())).execute()

    group_key = f"{KIND}:{request_key(req)}"
    followers = list(Follower.select(Follower, User).join(User).where(Follower.request == req)
                     .order_by(Follower.id))
    told = _Told(req, arrivals if items is not None else None)
    told.load([f.user_id for f in followers])
    waiting = []
    for follower in followers:
        if follower.role != "requester":
            # Followers hear about what arrives after they started following, not the back catalogue.
            mine = [a for a in arrivals if a.arrived_at >= follower.created_at]
        else:
            mine = arrivals
        if told.untold(follower.user_id, mine):
            waiting.append((follower, mine))
    # The usual case for a replay: nobody waiting, no write transaction at all.
    out: list[tuple[User, list[Arrival]]] = []
    payload = payload_for(req)
    for start in range(0, len(waiting), ANNOUNCE_CHUNK):
        out += _announce_to(req, waiting[start:start + ANNOUNCE_CHUNK], told, group_key, payload, brought)
    return out


def _announce_to(req: MediaRequest, chunk: list, told: _Told, group_key: str, payload: dict,
                 brought: dict | None = None) -> list[tuple[User, list[Arrival]]]:
    """One transaction for a few followers: decide again under their rows' lock, store the
    announcements and add the items to their messages (both stored, or neither: DESIGN law 13)."""

    with db.atomic():
        # Hold these followers' rows while deciding again, so two announcements racing for them (a
        # Sonarr import and Seerr's "available") see each other's rows: PostgreSQL locks the rows
        # until commit, always in id order (no deadlock between two such transactions); SQLite's
        # transaction holds the write lock once it writes.
        ids = [f.id for f, _ in chunk]
        lock = Follower.select(Follower.id).where(Follower.id.in_(ids)).order_by(Follower.id)
        if _locks_rows():
            list(lock.for_update())
        else:
            Follower.update(role=Follower.role).where(Follower.id.in_(ids)).execute()
        told.load([f.user_id for f, _ in chunk])
        decided = [(f, told.untold(f.user_id, mine)) for f, mine in chunk]
        fresh = _store_announcements(req, [(f.user, todo) for f, todo in decided if todo])
        if not fresh:
            return []
        destinations = notify.destinations_for([user for user, _ in fresh], KIND)
        notify.notify_many(KIND, group_key, [
            (user, ([{"season": a.season, "episode": a.episode, "title": a.title} for a in items]
                    if req.media_type == "tv" else None), destinations[user.id])
            for user, items in fresh], payload, adds=_adds(fresh, brought))
    return fresh


def _adds(fresh: list, brought: dict | None) -> dict[int, int] | None:
    """How many imports of a batch brought each person something: one by one, each would have
    added to their message (and moved its due time on) once."""
    if not brought:
        return None
    first = next(iter(brought.values()))
    return {user.id: len({brought.get((a.season, a.episode), first) for a in items}) for user, items in fresh}


def _locks_rows() -> bool:
    from peewee import PostgresqlDatabase

    return isinstance(db.obj, PostgresqlDatabase)


def _store_announcements(req: MediaRequest, todo: list[tuple[User, list[Arrival]]]) -> list:
    """Insert the rows for `todo` [(user, arrivals)], decided under the followers' lock; those
    already there are skipped, one by one, only if the batch insert finds one. Returns the
    [(user, arrivals)] stored."""
    if not todo:
        return []
    now = clock.now()
    try:
        with db.atomic():
            _insert_announcements([(req.id, user.id, a.season, a.episode, now) for user, arrivals in todo
                                   for a in arrivals])
        return list(todo)
    except IntegrityError:
        pass
    stored = []
    for user, arrivals in todo:
        fresh = []
        for a in arrivals:
            try:
                with db.atomic():
                    Announcement.create(request=req, user=user, season=a.season, episode=a.episode, at=now)
                fresh.append(a)
            except IntegrityError:
                continue
        if fresh:
            stored.append((user, fresh))
    return stored


def _insert_announcements(rows: list[tuple]) -> None:
    """INSERT these (request, user, season, episode, at) rows, a few hundred per statement. Written
    by hand: peewee building the text of an INSERT of a hundred rows cost more CPU than running it."""
    fields = [Announcement._meta.fields[name] for name in ("request", "user", "season", "episode", "at")]
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    one = "(" + ", ".join([db.param] * len(fields)) + ")"
    for start in range(0, len(rows), 500):
        chunk = rows[start:start + 500]
        # Only the table's and columns' names and placeholders are written into the text.
        sql = f'INSERT INTO "{Announcement._meta.table_name}" ({columns}) VALUES {", ".join([one] * len(chunk))}'  # nosec B608
        db.execute_sql(sql, [f.db_value(v) for row in chunk for f, v in zip(fields, row, strict=True)])


class _Told:
    """What followers were told about this request, {(season, episode): at} per user.

    With `candidates` (the arrivals one import brought), only what decides about them is read:
    their own rows, the whole-season rows of their seasons and, when a candidate is a whole
    season, whether any episode of that season was told. Keyed look-ups on the announcement
    index, so the cost does not grow with the show's history. Without, everything is read."""

    def __init__(self, req: MediaRequest, candidates: list[Arrival] | None):
        self.req = req
        self.candidates = candidates
        self.rows: dict[int, dict] = {}
        self.episode_seasons: dict[int, set] = {}

    def load(self, user_ids: list[int]) -> None:
        if not user_ids:
            return
        for uid in user_ids:
            self.rows[uid], self.episode_seasons[uid] = {}, set()
        mine = (Announcement.request == self.req.id) & (Announcement.user.in_(user_ids))
        if self.candidates is None:
            query = Announcement.select(Announcement.user, Announcement.season, Announcement.episode,
                                        Announcement.at).where(mine)
        else:
            seasons = sorted({a.season for a in self.candidates})
            episodes = sorted({a.episode for a in self.candidates} | {WHOLE_SEASON})
            query = Announcement.select(Announcement.user, Announcement.season, Announcement.episode,
                                        Announcement.at).where(mine & Announcement.season.in_(seasons)
                                                               & Announcement.episode.in_(episodes))
        for uid, season, episode, at in query.tuples():
            self.rows[uid][(season, episode)] = at
            if episode != WHOLE_SEASON:
                self.episode_seasons[uid].add(season)
        whole = sorted({a.season for a in self.candidates or () if a.episode == WHOLE_SEASON})
        if whole:
            # Is any episode of these seasons told? One row per person and season is enough.
            for uid, season in (Announcement.select(Announcement.user, Announcement.season).distinct()
                                .where(mine & Announcement.season.in_(whole)
                                       & (Announcement.episode != WHOLE_SEASON)).tuples()):
                self.episode_seasons[uid].add(season)

    def untold(self, user_id: int, arrivals: list[Arrival]) -> list[Arrival]:
        """The arrivals this person has not been told about (nor has waiting in the outbox)."""
        told = self.rows.get(user_id, {})
        todo = [a for a in arrivals if (a.season, a.episode) not in told]
        if self.req.media_type != "tv" or not todo:
            return todo
        return _one_way_per_season(todo, told, self.episode_seasons.get(user_id, set()))


def _one_way_per_season(todo: list[Arrival], told: dict, told_episode_seasons: set) -> list[Arrival]:
    """A person hears about a season episode by episode or as a whole, not both. `todo` are the
    arrivals not announced to them yet, `told` their announcements {(season, episode): at} (at
    least those of todo's seasons), `told_episode_seasons` the seasons of which they were told an
    episode (at least among todo's whole seasons).

    - A whole season is dropped when they were told, or are about to be told, any episode of it.
    - An episode is dropped when they were told its season as a whole and it arrived before that
      or up to SEASON_COVERS after (the same import, reported late). Later ones are new: announced.
    """
    whole_told = {s: at for (s, e), at in told.items() if e == WHOLE_SEASON}
    episode_seasons = set(told_episode_seasons)
    episode_seasons |= {a.season for a in todo
                        if a.episode != WHOLE_SEASON and not _covered(a, whole_told)}
    out = []
    for a in todo:
        if a.episode == WHOLE_SEASON:
            if a.season not in episode_seasons:
                out.append(a)
        elif not _covered(a, whole_told):
            out.append(a)
    return out


def _covered(a: Arrival, whole_told: dict) -> bool:
    at = whole_told.get(a.season)
    return at is not None and a.arrived_at <= at + SEASON_COVERS


def match_pending_arrivals() -> int:
    """Announce arrivals whose request became known later (out-of-order events, a sync)."""
    total = 0
    keys = {a.media_key for a in Arrival.select(Arrival.media_key).where(Arrival.request.is_null())}
    for req in MediaRequest.select().where(MediaRequest.status != "declined"):
        if request_key(req) in keys or (req.media_type == "tv" and req.tmdb_id and f"tmdb:{req.tmdb_id}" in keys):
            total += announce(req)
    return total
