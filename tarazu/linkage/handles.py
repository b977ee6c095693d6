"""Handle and display-name keys for linkage, built on :mod:`tarazu.names` (no second normaliser).

What linkage adds is comparison of *handles*: the skeleton key of ``Sanjay_Mehta_07`` and
``Sanjay Mehta 17`` share a long run, ``RKG Ah Tow`` and ``Ross Karl George Ah Tow`` share the
rare token ``tow``/``ah tow``; those are the traces operators leave when they come back."""

from __future__ import annotations

from collections import OrderedDict
from difflib import SequenceMatcher
from functools import lru_cache

from rapidfuzz import fuzz

from tarazu.names.normalise import normalise, skeleton_key


@lru_cache(maxsize=65536)
def handle_key(text: str) -> str:
    """Alphanumeric-only compact key (case, separators, leetspeak, confusables folded)."""
    return skeleton_key(text) if text else ""


@lru_cache(maxsize=65536)
def name_tokens(text: str) -> frozenset[str]:
    """Normalised word tokens of a handle or display name, digits split from letters."""
    if not text:
        return frozenset()
    out: set[str] = set()
    for tok in normalise(text).split():
        out.add(tok)
        letters = "".join(c for c in tok if c.isalpha())
        if letters and letters != tok:
            out.add(letters)
    return frozenset(out)


def common_run(a: str, b: str) -> str:
    """The longest common substring of two keys (the first, if several)."""
    if not a or not b:
        return ""
    m = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return a[m.a : m.a + m.size]


def longest_common_run(a: str, b: str) -> int:
    """Length of the longest common substring of two keys."""
    return len(common_run(a, b))


def key_similarity(a: str, b: str) -> float:
    """0..1 similarity of two handle keys (normalised Indel ratio)."""
    if not a or not b:
        return 0.0
    return fuzz.ratio(a, b) / 100.0


#: Ceiling of the similarity given to clearly different names (the comparator's lowest
#: level starts at 0.75).
CLEARLY_DIFFERENT = 0.3


def _trigrams(text: str) -> set[str]:
    t = f" {text} "
    return {t[i : i + 3] for i in range(len(t) - 2)}


def display_similarity(a: str, b: str) -> float:
    """0..1 similarity of two display names, via the shared name comparator when available."""
    if not a or not b:
        return 0.0
    na, nb = normalise(a), normalise(b)
    if not na or not nb:
        # nothing name-like in one of them (emoji, punctuation: normalising leaves nothing):
        # only the very same string is the same name — two different emoji names used to
        # compare as two empty, hence equal, names
        return 1.0 if not na and not nb and a.split() == b.split() else 0.0
    if na == nb:  # the common case for mirrors, and cheap
        return 1.0
    if a.isascii() and b.isascii() and not _trigrams(na) & _trigrams(nb):
        # two Latin-script names without a single shared trigram are different whatever the
        # name analyser says, and its first call loads seconds of data
        return fuzz.ratio(na, nb) / 100.0 * CLEARLY_DIFFERENT
    from tarazu.names.compare import name_similarity  # loads rigour: on first use only
    # the name comparator's own answer, without its token analysis: 1 when the names
    # differ only in spacing ("UmarMedia")
    if na.replace(" ", "") == nb.replace(" ", ""):
        return 1.0
    return float(name_similarity(a, b))


class DisplayNameScorer:
    """:func:`display_similarity` with a bounded, least-recently-used cache of pair scores,
    owned by the comparator that uses it (not a module global: it lives and dies with its
    linker, and two linkers never share it).

    A cross-script pair needs the full name comparator, which is costly; the same pairs come back
    when the stream re-scores a new account on each of its first posts (same name, same
    candidates), when a model is fitted, and whenever display names recur across accounts.
    The score of a pair never changes, so a hit returns exactly what a call would. Pairs are
    ordered (the comparator need not be symmetric)."""

    def __init__(self, max_pairs: int = 65536) -> None:
        if max_pairs < 1:
            raise ValueError("max_pairs must be positive")
        self.max_pairs = max_pairs
        self._scores: OrderedDict[tuple[str, str], float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._scores)

    def __call__(self, a: str, b: str) -> float:
        key = (a, b)
        score = self._scores.get(key)
        if score is not None:
            self._scores.move_to_end(key)
            return score
        score = display_similarity(a, b)
        self._scores[key] = score
        if len(self._scores) > self.max_pairs:
            self._scores.popitem(last=False)
        return score
