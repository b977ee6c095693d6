"""The display-name pair cache: bounded, owned by its comparator, and never a different answer."""

import pytest

from tarazu.linkage import handles
from tarazu.linkage.comparators import get_comparator
from tarazu.linkage.handles import DisplayNameScorer, display_similarity

PAIRS = [("Umar Media", "umar  media"), ("عمر میڈیا", "Umar Media"), ("Umar Media", "عمر میڈیا"),
         ("Security Desk", "Umar Media"), ("Sanjay Mehta", "Sanjay Mehta 07"), ("", "x")]


def test_cached_scores_equal_the_uncached_ones():
    scorer = DisplayNameScorer()
    for _ in range(2):
        for a, b in PAIRS:
            assert scorer(a, b) == display_similarity(a, b)


def test_a_repeated_pair_is_computed_once_and_the_cache_is_bounded(monkeypatch):
    calls = []

    def spy(a: str, b: str) -> float:
        calls.append((a, b))
        return 0.5

    monkeypatch.setattr(handles, "display_similarity", spy)
    scorer = DisplayNameScorer(max_pairs=2)
    scorer("a", "b")
    scorer("a", "b")
    assert calls == [("a", "b")]
    scorer("b", "a")  # ordered pairs: the comparator need not be symmetric
    assert len(calls) == 2
    scorer("a", "b")  # ("a", "b") is now the most recently used
    scorer("c", "d")  # evicts the least recently used, ("b", "a")
    assert len(scorer) == 2
    scorer("a", "b")
    assert len(calls) == 3
    scorer("b", "a")
    assert len(calls) == 4


def test_each_comparator_owns_its_cache():
    one, two = get_comparator("display_name"), get_comparator("display_name")
    assert one._similarity is not two._similarity


def test_max_pairs_must_be_positive():
    with pytest.raises(ValueError):
        DisplayNameScorer(max_pairs=0)


@pytest.mark.parametrize("a,b", [
    ("🔥🔥", "Umar Media"), ("Umar Media", "🔥"), ("🔥", "عمر میڈیا"), ("عمر میڈیا", "★★"),
    ("UmarMedia", "Umar Media"), ("umar media", "UMARMEDIA"), ("عمرمیڈیا", "عمر میڈیا"),
])
def test_shortcuts_give_the_name_comparators_own_score(a, b):
    from tarazu.names.compare import name_similarity

    assert display_similarity(a, b) == float(name_similarity(a, b))


@pytest.mark.parametrize("a,b,expected", [
    ("🔥🔥", "🌙", 0.0),  # two names with nothing name-like are not thereby the same name
    ("...", "!!!", 0.0),
    ("🦅 🦅", "🦅  🦅", 1.0),  # the very same string (but for spacing) is
    ("🦅🦅", "🦅", 0.0),
])
def test_names_without_letters_are_the_same_only_when_identical(a, b, expected):
    assert display_similarity(a, b) == expected
