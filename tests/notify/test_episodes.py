"""The episode range in words, as people read it in subjects and emails."""
import re

from hypothesis import given
from hypothesis import strategies as st

from plexportal.notify.episodes import count_words, episode_pairs, format_range


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
             {"season": 1, "episode": -1}, None]
    assert format_range(items) == "S01E02"


def test_it_gives_nothing_for_no_episodes():
    assert format_range([]) == "" and format_range(None) == "" and count_words([]) == ""


def test_it_counts_episodes_in_words():
    assert count_words(eps((1, 1))) == "1 episode"
    assert count_words(eps((1, 1), (1, 2), (1, 2))) == "2 episodes"


pairs = st.lists(st.tuples(st.integers(0, 30), st.integers(0, 300)), max_size=60)


def _expand(text: str) -> set[tuple[int, int]]:
    """Read a formatted range back into (season, episode) pairs."""
    out, season = set(), None
    for part in text.split(", "):
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


@given(pairs)
def test_it_never_writes_two_runs_that_could_be_one(given_pairs):
    text = format_range(eps(*given_pairs))
    runs = []
    season = None
    for part in filter(None, text.split(", ")):
        m = re.fullmatch(r"(?:S(\d+))?E(\d+)(?:–E(\d+))?", part)
        season = int(m.group(1)) if m.group(1) else season
        runs.append((season, int(m.group(2)), int(m.group(3) or m.group(2))))
    for (s1, _, last), (s2, first, _) in zip(runs, runs[1:]):
        assert (s1, last) < (s2, first)
        assert not (s1 == s2 and last + 1 == first)


@given(st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=5),
                          st.dictionaries(st.sampled_from(["season", "episode", "title"]),
                                          st.one_of(st.none(), st.integers(-5, 500), st.text(max_size=4),
                                                    st.floats(allow_nan=True))))))
def test_it_never_crashes_on_odd_items(items):
    text = format_range(items)
    assert isinstance(text, str)
    assert len(_expand(text) if text else set()) == len(episode_pairs(items))


def test_it_ignores_digits_from_other_scripts():
    assert format_range([{"season": "²", "episode": "1"}, {"season": "١", "episode": "2"}]) == ""
