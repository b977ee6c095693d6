"""Pairwise name features: each one a similarity in 0..1 that a reviewer can read.

The comparator (`compare.py`) weighs these; keeping them separate lets the benchmark script
refit the weights and lets an explanation say which evidence carried a score.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, fields
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler, Levenshtein
from rigour.names import replace_org_types_compare

from tarazu.names.normalise import normalise
from tarazu.names.phonetic import consonant_skeleton

__all__ = ["NameFeatures", "TokenMatch", "align_tokens", "name_features", "token_similarity"]

# Particles that carry little identity ("al", "bin") count for less in token alignment.
_PARTICLES = frozenset({"al", "el", "bin", "ibn", "bint", "abu", "abd", "ul", "e", "i", "d",
                        "de", "da", "di", "del", "der", "van", "von", "the", "of", "and", "y"})
_IZAFAT = frozenset({"e", "i"})
_GOOD_TOKEN = 0.8  # a token aligned at least this well counts as matched


@dataclass(frozen=True)
class TokenMatch:
    """One aligned pair of tokens and how similar they are."""

    left: str
    right: str
    score: float


@dataclass(frozen=True)
class NameFeatures:
    """Similarity evidence for a pair of names, every value in 0..1."""

    token_set: float  # rapidfuzz token_set_ratio: order-free, subset-tolerant
    token_sort: float  # rapidfuzz token_sort_ratio: order-free, full-length
    compact: float  # Jaro-Winkler of the joined tokens: tolerant of split/merged words
    cover_short: float  # share of the shorter name's letters aligned to the other name
    cover_long: float  # share of the longer name's letters aligned
    worst_token: float  # weakest alignment among the shorter name's identity tokens
    skeleton: float  # alignment of consonant skeletons (transliteration variants)
    cross_script: float  # 1.0 if exactly one side was written in a non-Latin script
    same_order: float  # 1.0 if aligned tokens appear in the same order on both sides
    compact_edit: float  # Levenshtein similarity of the joined tokens: strict on endings
    worst_edit: float  # weakest Levenshtein similarity among aligned identity tokens
    lone_token: float  # 1.0 if one name is a single word and the other has more
    unmatched: float  # identity tokens of the shorter name with no good partner (capped at 2) / 2

    def as_vector(self) -> list[float]:
        return [getattr(self, f.name) for f in fields(self)]

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


@lru_cache(maxsize=65536)
def token_similarity(a: str, b: str) -> float:
    """Similarity of two normalised tokens, forgiving initials and vowel-only differences."""
    if a == b:
        return 1.0
    if (len(a) == 1 or len(b) == 1) and a[0] == b[0]:
        return 0.85  # an initial: "J" and "Joachim"
    score = max(JaroWinkler.similarity(a, b), Levenshtein.normalized_similarity(a, b))
    ska, skb = consonant_skeleton(a), consonant_skeleton(b)
    if len(ska) >= 2 and ska == skb:
        score = max(score, 0.9)
    return score


def _skeleton_similarity(a: str, b: str) -> float:
    ska, skb = consonant_skeleton(a), consonant_skeleton(b)
    if not ska or not skb:
        return 1.0 if a[0] == b[0] else 0.0
    return Levenshtein.normalized_similarity(ska, skb)


def align_tokens(left: list[str], right: list[str], sim=token_similarity) -> list[TokenMatch]:
    """Greedy one-to-one alignment of tokens, best pairs first."""
    pairs = sorted(((sim(a, b), i, j) for i, a in enumerate(left) for j, b in enumerate(right)),
                   reverse=True)
    used_l: set[int] = set()
    used_r: set[int] = set()
    out: list[tuple[int, TokenMatch]] = []
    for score, i, j in pairs:
        if i in used_l or j in used_r:
            continue
        used_l.add(i)
        used_r.add(j)
        out.append((i, TokenMatch(left[i], right[j], score)))
    return [m for _, m in sorted(out, key=lambda x: x[0])]


def _weight(token: str) -> float:
    return 0.3 if token in _PARTICLES else float(len(token))


def _coverage(toks: list[str], matches: dict[str, float]) -> float:
    total = sum(_weight(t) for t in toks)
    return sum(_weight(t) * matches.get(t, 0.0) for t in toks) / total if total else 0.0


def _is_latin_text(text: str) -> bool:
    return all(c.isascii() or not c.isalpha() or "LATIN" in unicodedata.name(c, "") for c in text)


def _is_cross_script(a: str, b: str) -> bool:
    return _is_latin_text(a) != _is_latin_text(b)


def _compare_tokens(name: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", name).casefold()
    toks = normalise(replace_org_types_compare(folded, generic=True)).split()
    return [t for t in toks if t not in _IZAFAT] or toks


def compare_tokens(a: str, b: str) -> tuple[list[str], list[str]]:
    """Normalised tokens with organisation forms unified ("Aktiengesellschaft" -> "ag") and
    the Persian/Urdu izafat connector dropped ("Tehreek-e-Taliban" vs "Tehrik-i-Taliban")."""
    return _compare_tokens(a), _compare_tokens(b)


def name_features(a: str, b: str) -> tuple[NameFeatures, list[TokenMatch]]:
    """Features of a pair of raw names and the token alignment they rest on."""
    ta, tb = compare_tokens(a, b)
    if not ta or not tb:
        return NameFeatures(*[0.0] * len(NameFeatures.names())), []
    sa, sb = " ".join(ta), " ".join(tb)
    matches = align_tokens(ta, tb)
    cover_a = _coverage(ta, {m.left: m.score for m in matches})
    cover_b = _coverage(tb, {m.right: m.score for m in matches})
    a_short = sum(map(len, ta)) <= sum(map(len, tb))
    short = ta if a_short else tb
    identity = [m.score for m in matches if (m.left if a_short else m.right) not in _PARTICLES]
    skel = align_tokens(ta, tb, _skeleton_similarity)
    skel_map = {(m.left if a_short else m.right): m.score for m in skel}
    order = [tb.index(m.right) for m in matches if m.score >= _GOOD_TOKEN]
    idents = [m for m in matches if (m.left if a_short else m.right) not in _PARTICLES]
    edits = [Levenshtein.normalized_similarity(m.left, m.right) for m in idents]
    n_short = len([t for t in short if t not in _PARTICLES])
    n_long = len([t for t in (tb if a_short else ta) if t not in _PARTICLES])
    n_unmatched = n_short - sum(1 for m in idents if m.score >= _GOOD_TOKEN)
    return NameFeatures(
        token_set=fuzz.token_set_ratio(sa, sb) / 100,
        token_sort=fuzz.token_sort_ratio(sa, sb) / 100,
        compact=JaroWinkler.similarity("".join(ta), "".join(tb)),
        cover_short=cover_a if a_short else cover_b,
        cover_long=cover_b if a_short else cover_a,
        worst_token=min(identity, default=0.0),
        skeleton=_coverage(short, skel_map),
        cross_script=1.0 if _is_cross_script(a, b) else 0.0,
        same_order=1.0 if order == sorted(order) else 0.0,
        compact_edit=Levenshtein.normalized_similarity("".join(ta), "".join(tb)),
        worst_edit=min(edits, default=0.0),
        lone_token=1.0 if n_short <= 1 < n_long else 0.0,
        unmatched=min(n_unmatched, 2) / 2,
    ), matches
