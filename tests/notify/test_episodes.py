"""The episode range in words, as people read it in subjects and emails."""
import itertools
import re

from hypothesis import given
from hypothesis import strategies as st

from plexportal.notify.episodes import (
    WHOLE_SEASON,
    count_words,
    episode_pairs,
    format_range,
    format_seasons,
    summary_words,
    whole_seasons,
)


def eps(*pairs):
    return [{"season": s, "episode": e} for s, e in pairs]


def test_it_writes_one_episode_with_season_and_number():
    assert format_range(eps((1, 3))) == "S01E03"


def test_it_joins_consecutive_episodes_with_a_dash():
    assert format_range(eps((1, 1), (1, 2), (1, 3), (1, 4))) == "S01E01–E04"


def test_it_lists_a_gap_without_repeating_the_season():
    assert format_range(eps((2, 1), (2, 2), (2, 3), (2, 4), (2, 6))) == "S02E01–E04, E06"


def test_it_restates_the_season_when_it_changes():
    assert format_range(eps((1, 9), (1, 10), (2, 1))) == "S01E09–E10, S02E01"


def test_it_sorts_and_drops_repeats_whatever_the_arrival_order():
    assert format_range(eps((1, 4), (1, 2), (1, 3), (1, 2), (1, 1))) == "S01E01–E04"


def test_it_keeps_specials_and_three_digit_episodes_readable():
    assert format_range(eps((0, 1), (3, 100), (3, 101))) == "S00E01, S03E100–E101"


def test_it_accepts_numbers_given_as_text_and_skips_what_is_not_an_episode():
    items = [{"season": "1", "episode": "2"}, {"season": None, "episode": 3}, {"title": "x"}, "junk",
             {"season": 1, "episode": -2}, None]
    assert format_range(items) == "S01E02"


def test_it_gives_nothing_for_no_episodes():
    assert format_range([]) == "" and format_range(None) == "" and count_words([]) == ""


def test_it_counts_episodes_in_words():
    assert count_words(eps((1, 1))) == "1 episode"
    assert count_words(eps((1, 1), (1, 2), (1, 2))) == "2 episodes"


def test_it_names_whole_seasons_in_words():
    assert format_range(eps((2, WHOLE_SEASON))) == "Season 2"
    assert format_range(eps((1, WHOLE_SEASON), (2, WHOLE_SEASON))) == "Seasons 1 and 2"
    assert format_range(eps((3, WHOLE_SEASON), (1, WHOLE_SEASON), (2, WHOLE_SEASON))) == "Seasons 1–3"
    assert format_seasons([1, 2, 3, 5]) == "Seasons 1–3 and 5"
    assert format_seasons([1, 2, 4]) == "Seasons 1, 2 and 4"
    assert format_seasons([0, 1]) == "Specials and Season 1"
    assert count_words(eps((2, WHOLE_SEASON))) == "" and summary_words(eps((1, -1), (2, -1))) == "2 seasons"


def test_it_lists_episodes_after_the_whole_seasons_without_repeating_them():
    items = eps((2, WHOLE_SEASON), (2, 3), (3, 1), (3, 2))
    assert format_range(items) == "Season 2, S03E01–E02"
    assert count_words(items) == "2 episodes" and summary_words(items) == "1 season and 2 episodes"


def test_it_reads_a_whole_season_given_as_text():
    assert whole_seasons([{"season": "4", "episode": "-1"}, {"season": None, "episode": -1}, "junk"]) == [4]


pairs = st.lists(st.tuples(st.integers(0, 30), st.integers(0, 300)), max_size=60)
seasons = st.lists(st.integers(0, 30), max_size=8)


def _expand_seasons(text: str) -> tuple[set[int], str]:
    """Read the whole seasons at the start of a range back; return them and the rest of the text."""
    found: set[int] = set()
    m = re.match(r"(Specials)?(?:(?:, | and )?Seasons? ((?:\d+(?:–\d+)?)(?:(?:, | and )\d+(?:–\d+)?)*))?", text)
    if m.group(1):
        found.add(0)
    for part in filter(None, re.split(r", | and ", m.group(2) or "")):
        first, _, last = part.partition("–")
        found.update(range(int(first), int(last or first) + 1))
    return found, text[m.end():].removeprefix(", ")


def _expand(text: str) -> set[tuple[int, int]]:
    """Read a formatted range back into (season, episode) pairs; a whole season as (season, -1)."""
    whole, text = _expand_seasons(text)
    out, season = {(s, WHOLE_SEASON) for s in whole}, None
    for part in filter(None, text.split(", ")):
        m = re.fullmatch(r"(?:S(\d{2,}))?E(\d{2,})(?:–E(\d{2,}))?", part)
        assert m, part
        if m.group(1) is not None:
            season = int(m.group(1))
        assert season is not None
        first = int(m.group(2))
        last = int(m.group(3)) if m.group(3) else first
        assert last > first or m.group(3) is None
        out.update((season, e) for e in range(first, last + 1))
    return out


@given(pairs)
def test_it_round_trips_any_set_of_episodes(given_pairs):
    text = format_range(eps(*given_pairs))
    assert (_expand(text) if text else set()) == set(given_pairs)


@given(pairs, seasons)
def test_it_round_trips_whole_seasons_with_episodes(given_pairs, given_seasons):
    items = eps(*given_pairs) + eps(*[(s, WHOLE_SEASON) for s in given_seasons])
    text = format_range(items)
    expected = ({(s, WHOLE_SEASON) for s in given_seasons}
                | {(s, e) for s, e in given_pairs if s not in set(given_seasons)})
    assert (_expand(text) if text else set()) == expected


@given(pairs)
def test_it_never_writes_two_runs_that_could_be_one(given_pairs):
    text = format_range(eps(*given_pairs))
    runs = []
    season = None
    for part in filter(None, text.split(", ")):
        m = re.fullmatch(r"(?:S(\d+))?E(\d+)(?:–E(\d+))?", part)
        season = int(m.group(1)) if m.group(1) else season
        runs.append((season, int(m.group(2)), int(m.group(3) or m.group(2))))
    for (s1, _, last), (s2, first, _) in itertools.pairwise(runs):
        assert (s1, last) < (s2, first)
        assert not (s1 == s2 and last + 1 == first)


@given(st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=5),
                          st.dictionaries(st.sampled_from(["season", "episode", "title"]),
                                          st.one_of(st.none(), st.integers(-5, 500), st.text(max_size=4),
                                                    st.floats(allow_nan=True))))))
def test_it_never_crashes_on_odd_items(items):
    text = format_range(items)
    assert isinstance(text, str)
    whole = whole_seasons(items)
    listed = [p for p in episode_pairs(items) if p[0] not in whole]
    assert len(_expand(text) if text else set()) == len(whole) + len(listed)


def test_it_ignores_digits_from_other_scripts():
    assert format_range([{"season": "²", "episode": "1"}, {"season": "١", "episode": "2"}]) == ""
