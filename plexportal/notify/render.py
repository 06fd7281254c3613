"""Building messages at send time: the "ready to watch" email (HTML and plain text) from the
media.ready payload, and the common footer links (manage, unsubscribe) every user message has."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import render_template
from flask_babel import gettext

from plexportal.i18n import say
from plexportal.notify import links
from plexportal.notify.episodes import _as_int, count_words, format_range, summary_words, whole_seasons
from plexportal.notify.models import Notification
from plexportal.notify.send import Rendered
from plexportal.settings import service as settings

SUBJECT_RANGE_MAX = 40


def safe_url(value) -> str:
    """Only http(s) URLs go into a message (a title from outside must not become javascript:…)."""
    if not isinstance(value, str):
        return ""
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c in value for c in "\r\n\"'<> "):
        return ""
    return value


def _text(value, limit: int = 300) -> str:
    return "" if value is None else " ".join(str(value).split())[:limit]


def footer_links(n: Notification) -> dict:
    if n.user_id is None or n.audience != "user":
        return {"manage_url": "", "unsubscribe_url": ""}
    user = n.user
    if n.channel != "email":
        # A page link goes only to the person's own mailbox: a chat destination may have been
        # added by anyone who held a link, and must not hand out fresh ones.
        return {"manage_url": "", "unsubscribe_url": ""}
    return {"manage_url": links.user_page_url(user), "unsubscribe_url": links.unsubscribe_url(user)}


def watch_link(payload: dict) -> tuple[str, str]:
    """(url, label) for the big button: the exact item when the gate found it, else Plex itself."""
    url = safe_url(payload.get("watch_url"))
    if url:
        label = gettext("Watch on Plex") if "plex" in (urlsplit(url).hostname or "") else gettext("Watch now")
        return url, label
    app_url = safe_url(settings.get("PLEX_APP_URL")) or "https://app.plex.tv"
    if settings.get("JELLYFIN_URL") and not settings.get("PLEX_URL"):
        return safe_url(settings.get("JELLYFIN_URL")), gettext("Open Jellyfin")
    return app_url.rstrip("/") + "/desktop", gettext("Open Plex")


def media_subject(payload: dict) -> str:
    title = _text(payload.get("title"), 150) or gettext("Your request")
    items = payload.get("items") or []
    episodes = format_range(items)
    if payload.get("media_type") == "tv" and episodes:
        if len(episodes) > SUBJECT_RANGE_MAX:
            return gettext("Ready to watch: %(title)s, %(count)s", title=title, count=summary_words(items))
        return gettext("Ready to watch: %(title)s %(episodes)s", title=title, episodes=episodes)
    return gettext("%(title)s is ready to watch", title=title)


def _ready_sentences(title: str, year: str, episodes: str, count: str, plural: bool, is_movie: bool,
                     server: str) -> tuple[str, str]:
    """The message's first sentence and its preview line ("Seasons 1–3 are ready" needs its own
    sentence in every language, not a swapped verb)."""
    named = f"{title} ({year})" if year else title
    if is_movie or not episodes:
        return (gettext("%(title)s is ready to watch on %(server)s.", title=named, server=server),
                gettext("%(title)s is ready on %(server)s.", title=title, server=server))
    which = f"{episodes} ({count})" if count else episodes
    if plural:
        return (gettext("New on %(server)s: %(title)s, %(episodes)s are ready to watch.", server=server,
                        title=named, episodes=which),
                gettext("%(episodes)s of %(title)s are ready on %(server)s.", episodes=episodes, title=title,
                        server=server))
    return (gettext("New on %(server)s: %(title)s, %(episodes)s is ready to watch.", server=server, title=named,
                    episodes=which),
            gettext("%(episodes)s of %(title)s is ready on %(server)s.", episodes=episodes, title=title,
                    server=server))


def render_media_ready(n: Notification) -> Rendered:
    payload = n.payload or {}
    title = _text(payload.get("title"), 150) or gettext("Your request")
    year = payload.get("year")
    year = str(year) if isinstance(year, int) or (isinstance(year, str) and year.isascii() and year.isdigit()) else ""
    items = payload.get("items") or []
    episodes = format_range(items) if payload.get("media_type") == "tv" else ""
    names = sorted((f"S{_as_int(i.get('season')):02d}E{_as_int(i.get('episode')):02d}", _text(i.get("title"), 120))
                   for i in items if isinstance(i, dict) and _as_int(i.get("season")) is not None
                   and _as_int(i.get("episode")) is not None)
    watch_url, watch_label = watch_link(payload)
    # "Seasons 1–3 are ready"; an episode range keeps "is" ("S01E01–E04 (4 episodes) is ready").
    plural = len(whole_seasons(items)) > 1 and not count_words(items)
    server = settings.get("SERVER_NAME")
    lead, preheader = _ready_sentences(title, year, episodes, count_words(items), plural,
                                       payload.get("media_type") == "movie", server)
    ctx = dict(title=title, year=year, episodes=episodes, episode_count=count_words(items), lead=lead,
               preheader=preheader,
               episode_names=[x for x in names if x[1]][:20], overview=_text(payload.get("overview"), 600),
               poster_url=safe_url(payload.get("poster_url")), watch_url=watch_url, watch_label=watch_label,
               is_movie=payload.get("media_type") == "movie", server_name=server, **footer_links(n))
    return Rendered(subject=media_subject(payload),
                    text=render_template("email/media_ready.txt", **ctx),
                    html=render_template("email/media_ready.html", **ctx))



def render_said(n: Notification) -> Rendered:
    """A plain message whose subject and text were stored as message ids (`subject_say`,
    `text_say`: plexportal.i18n.msg), written in the reader's language; rows without them keep
    their text."""
    payload = n.payload or {}
    return Rendered(say(payload.get("subject_say"), n.subject), say(payload.get("text_say"), n.text_body),
                    n.html_body)


# -- short updates (a request's steps, a reported problem's replies) ----------------------------

def render_update(n: Notification) -> Rendered:
    """A short message about one thing: a headline ("Request declined"), the title with its poster,
    one paragraph per batched item (each with an optional quote: Seerr's reason, a reply), and the
    footer. Payload: {"subject", "headline", "title", "year", "poster_url", "why",
    "items": [{"text", "quote", "by"}]}; every value is plain text from the area that queued it. The
subject, headline, why and each item's text may come as `…_say`/`say` (plexportal.i18n.msg): an
English message id and its values, written in the reader's language here."""
    payload = n.payload or {}
    items = [i for i in payload.get("items") or []
             if isinstance(i, dict) and _text(say(i.get("say"), str(i.get("text") or "")), 1000)]
    year = payload.get("year")
    ctx = dict(subject=_text(say(payload.get("subject_say"), str(payload.get("subject") or "")), 300)
               or _text(n.subject, 300) or gettext("Update"),
               headline=_text(say(payload.get("headline_say"), str(payload.get("headline") or "")), 80),
               title=_text(payload.get("title"), 150), year=str(year) if isinstance(year, int) else "",
               poster_url=safe_url(payload.get("poster_url")),
               why=_text(say(payload.get("why_say"), str(payload.get("why") or "")), 300),
               items=[{"text": _text(say(i.get("say"), str(i.get("text") or "")), 1000),
                       "quote": " ".join(str(i.get("quote") or "").split())[:2000],
                       "by": _text(i.get("by"), 150)} for i in items][:20],
               server_name=settings.get("SERVER_NAME"), **footer_links(n))
    return Rendered(subject=ctx["subject"], text=render_template("email/update.txt", **ctx),
                    html=render_template("email/update.html", **ctx))
