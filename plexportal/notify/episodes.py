"""Episode lists in words: [(1, 9), (1, 10), (2, 1)] → "S01E09–E10, S02E01".

An item whose episode is WHOLE_SEASON (-1) stands for a whole season (the library has it, but
nothing reported it episode by episode): it reads "Season 2", several "Seasons 1–3"; episodes of a
season named as a whole are not listed again. The words are in the current language (gettext).
"""
from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext, ngettext

from plexportal.i18n import number_text

DASH = "\u2013"
WHOLE_SEASON = -1          # the media.ready payload's marker; see docs/architecture.md


def _num(n: int) -> str:
    return f"{n:02d}"


def _as_int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value < 100000 else None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value.strip()) < 6:
        return int(value.strip())
    return None


def is_whole_season(item) -> bool:
    if not isinstance(item, dict) or _as_int(item.get("season")) is None:
        return False
    episode = item.get("episode")
    return (not isinstance(episode, bool) and episode == WHOLE_SEASON) or (
        isinstance(episode, str) and episode.strip() == str(WHOLE_SEASON))


def whole_seasons(items: Iterable) -> list[int]:
    """Seasons named as a whole, sorted and without repeats."""
    seasons = (_as_int(item.get("season")) for item in items or [] if is_whole_season(item))
    return sorted({season for season in seasons if season is not None})


def episode_pairs(items: Iterable) -> list[tuple[int, int]]:
    """(season, episode) for every item that names one episode, sorted and without repeats."""
    out = set()
    for item in items or []:
        if not isinstance(item, dict):
            continue
        season, episode = _as_int(item.get("season")), _as_int(item.get("episode"))
        if season is not None and episode is not None:
            out.add((season, episode))
    return sorted(out)


def _listed_pairs(items: Iterable) -> list[tuple[int, int]]:
    """Episodes not already covered by a whole season in the same list."""
    whole = set(whole_seasons(items))
    return [p for p in episode_pairs(items) if p[0] not in whole]


def runs(pairs: Iterable[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """Consecutive episodes of a season as (season, first, last)."""
    out: list[list[int]] = []
    for season, episode in sorted(set(pairs)):
        if out and out[-1][0] == season and out[-1][2] + 1 == episode:
            out[-1][2] = episode
        else:
            out.append([season, episode, episode])
    return [(season, first, last) for season, first, last in out]


def format_seasons(seasons: Iterable[int]) -> str:
    """"Season 2", "Seasons 1 and 2", "Seasons 1–3 and 5", "Specials and Season 1": three or more
    consecutive seasons become a range."""
    numbers = sorted(set(seasons))
    parts = [gettext("Specials")] if 0 in numbers else []
    numbered = [n for n in numbers if n > 0]
    groups: list[list[int]] = []
    for n in numbered:
        if groups and groups[-1][-1] + 1 == n:
            groups[-1].append(n)
        else:
            groups.append([n])
    words = []
    for group in groups:
        words += [f"{group[0]}{DASH}{group[-1]}"] if len(group) >= 3 else [str(n) for n in group]
    if words:
        words[0] = ngettext("Season %(numbers)s", "Seasons %(numbers)s", len(numbered), numbers=words[0])
        parts += words
    return and_list(parts)


def and_list(parts: list[str]) -> str:
    """"A", "A and B", "A, B and C" in the current language."""
    if len(parts) <= 1:
        return "".join(parts)
    return gettext("%(items)s and %(last)s", items=", ".join(parts[:-1]), last=parts[-1])


def format_range(items: Iterable) -> str:
    """"S02E01–E04, E06": a new season restates its S number; a later run in the same season
    gives only the E numbers. Whole seasons come first: "Season 1, S02E01–E04"."""
    items = list(items or [])
    parts = []
    seasons = format_seasons(whole_seasons(items))
    if seasons:
        parts.append(seasons)
    last_season = None
    for season, first, last in runs(_listed_pairs(items)):
        head = f"E{_num(first)}" if season == last_season else f"S{_num(season)}E{_num(first)}"
        parts.append(head if first == last else f"{head}{DASH}E{_num(last)}")
        last_season = season
    return ", ".join(parts)


def count_words(items: Iterable) -> str:
    """"3 episodes", counting the episodes listed on their own (not whole seasons)."""
    n = len(_listed_pairs(items))
    return "" if n == 0 else ngettext("%(count)s episode", "%(count)s episodes", n, count=number_text(n))


def summary_words(items: Iterable) -> str:
    """A short count for a subject: "2 seasons", "12 episodes", "1 season and 3 episodes"."""
    n = len(whole_seasons(items))
    seasons = "" if n == 0 else ngettext("%(count)s season", "%(count)s seasons", n, count=number_text(n))
    return and_list([p for p in (seasons, count_words(items)) if p])
