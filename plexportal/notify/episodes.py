"""Episode lists in words: [(1, 9), (1, 10), (2, 1)] → "S01E09–E10, S02E01". Pure."""
from __future__ import annotations

from collections.abc import Iterable

DASH = "\u2013"


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


def episode_pairs(items: Iterable) -> list[tuple[int, int]]:
    """(season, episode) for every item that names one, sorted and without repeats."""
    out = set()
    for item in items or []:
        if not isinstance(item, dict):
            continue
        season, episode = _as_int(item.get("season")), _as_int(item.get("episode"))
        if season is not None and episode is not None:
            out.add((season, episode))
    return sorted(out)


def runs(pairs: Iterable[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """Consecutive episodes of a season as (season, first, last)."""
    out: list[list[int]] = []
    for season, episode in sorted(set(pairs)):
        if out and out[-1][0] == season and out[-1][2] + 1 == episode:
            out[-1][2] = episode
        else:
            out.append([season, episode, episode])
    return [tuple(r) for r in out]


def format_range(items: Iterable) -> str:
    """"S02E01–E04, E06": a new season restates its S number; a later run in the same season
    gives only the E numbers."""
    parts = []
    last_season = None
    for season, first, last in runs(episode_pairs(items)):
        head = f"E{_num(first)}" if season == last_season else f"S{_num(season)}E{_num(first)}"
        parts.append(head if first == last else f"{head}{DASH}E{_num(last)}")
        last_season = season
    return ", ".join(parts)


def count_words(items: Iterable) -> str:
    n = len(episode_pairs(items))
    return "" if n == 0 else ("1 episode" if n == 1 else f"{n} episodes")
