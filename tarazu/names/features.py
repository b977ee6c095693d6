"""Pairwise name features: each one a similarity in 0..1 that a reviewer can read.

The comparator (`compare.py`) weighs these; keeping them separate lets the benchmark script
refit the weights and lets an explanation say which evidence carried a score.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler, Levenshtein
from rigour.names import NameTypeTag, remove_org_types, replace_org_types_compare

from tarazu.names.normalise import normalise
from tarazu.names.phonetic import consonant_skeleton
from tarazu.names.symbols import SymbolPair, SymbolRewrite, name_kind, pair_by_symbols

__all__ = ["NameEvidence", "NameFeatures", "PairValues", "TokenMatch", "align_tokens",
           "could_pair_person_names", "is_anchored", "name_evidence", "name_features",
           "pair_values", "token_similarity"]

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


# An aligned pair as (left token, right token, similarity): what `TokenMatch` holds, without
# the cost of building a frozen dataclass per pair on the score-only path.
Triple = tuple[str, str, float]


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
    qualifier: float  # 1.0 if a country or number on one side has no equal on the other
    initials: float  # share of the shorter name's identity tokens matched only as an initial
    agreed: float  # share of all words equal on both sides or paired by a rigour symbol
    edits: float  # most letter edits (capped at 4) / 4 in an aligned identity word: a typo
    # is one or two edits, a different real name ("Lukashevich" / "Lukashenko") usually more
    extra_words: float  # words of the longer name without a partner, legal forms aside (cap 2) / 2
    org_extra: float  # extra_words when the caller said the names are organisations
    person_reordered: float  # 1.0 for people whose matched parts are in another order: a
    # patronymic chain read backwards ("Salman bin Muhammad" / "Muhammad bin Salman")
    person: float  # 1.0 if the caller said both names are people (schema Person)
    org: float  # 1.0 if the caller said both names are organisations or companies

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
    return [TokenMatch(*m) for m in _align(left, right, sim)]


def _align(left: list[str], right: list[str], sim: Callable[[str, str], float]) -> list[Triple]:
    """`align_tokens` as triples in the order of `left`. Stops once the shorter side is used
    up: every later candidate pair would reuse a token."""
    pairs = sorted([(sim(a, b), i, j) for i, a in enumerate(left) for j, b in enumerate(right)],
                   reverse=True)
    n = min(len(left), len(right))
    by_left: dict[int, Triple] = {}
    used_r: set[int] = set()
    for score, i, j in pairs:
        if i in by_left or j in used_r:
            continue
        used_r.add(j)
        by_left[i] = (left[i], right[j], score)
        if len(by_left) == n:
            break
    return [by_left[i] for i in sorted(by_left)]


def _weights(toks: list[str]) -> list[float]:
    """How much each token counts in a coverage: particles little, other words by length."""
    return [0.3 if t in _PARTICLES else float(len(t)) for t in toks]


def _coverage(toks: list[str], matches: dict[str, float], weights: list[float]) -> float:
    """Weighted share of `toks` aligned, each token at its alignment score; `weights` are
    `_weights(toks)`, computed once for the several coverages of one name."""
    total = sum(weights)
    if not total:
        return 0.0
    return sum([w * matches.get(t, 0.0) for t, w in zip(toks, weights, strict=True)]) / total


@lru_cache(maxsize=65536)
def _is_latin_text(text: str) -> bool:
    return all(c.isascii() or not c.isalpha() or "LATIN" in unicodedata.name(c, "") for c in text)


def _is_cross_script(a: str, b: str) -> bool:
    return _is_latin_text(a) != _is_latin_text(b)


@lru_cache(maxsize=4096)
def _is_legal_form(token: str) -> bool:
    """"ltd", "llc", "gmbh", "ooo": rigour removes the whole word as an organisation type."""
    return not remove_org_types(token).strip()


def _uninvert(name: str, kind: NameTypeTag) -> str:
    """"Putin, Vladimir" -> "Vladimir Putin": sanctions lists write people surname first with
    a comma. Not for organisations, whose comma precedes a legal form ("Bowne, Inc.")."""
    if kind == NameTypeTag.ORG or name.count(",") != 1:
        return name
    family, given = (p.strip() for p in name.split(","))
    if not family or not given or len(family.split()) > 3 or len(given.split()) > 3:
        return name
    if remove_org_types(given).strip() != given:
        return name
    return f"{given} {family}"


@lru_cache(maxsize=65536)
def _compare_tokens(name: str, kind: NameTypeTag = NameTypeTag.ENT) -> list[str]:
    folded = _uninvert(unicodedata.normalize("NFKC", name).casefold(), kind)
    toks = normalise(replace_org_types_compare(folded, generic=True)).split()
    return [t for t in toks if t not in _IZAFAT] or toks


@lru_cache(maxsize=65536)
def _compare_token_set(name: str, kind: NameTypeTag) -> frozenset[str]:
    """The words of `_compare_tokens` as a set, built once per name rather than per pair."""
    return frozenset(_compare_tokens(name, kind))


def compare_tokens(a: str, b: str, kind: NameTypeTag = NameTypeTag.ENT,
                   ) -> tuple[list[str], list[str]]:
    """Normalised tokens with organisation forms unified ("Aktiengesellschaft" -> "ag"),
    "Surname, Given" put in reading order for people, and the Persian/Urdu izafat connector
    dropped ("Tehreek-e-Taliban" vs "Tehrik-i-Taliban")."""
    return _compare_tokens(a, kind), _compare_tokens(b, kind)


def _rewrite_notes(raw: str, toks: list[str], kind: NameTypeTag) -> list[str]:
    """What `compare_tokens` changed in one name, for the explanation."""
    notes = []
    folded = unicodedata.normalize("NFKC", raw).casefold()
    if _uninvert(folded, kind) != folded:
        notes.append(f"read '{raw}' as given name(s) then surname")
    plain = [t for t in normalise(_uninvert(folded, kind)).split() if t not in _IZAFAT]
    if plain != toks:
        notes.append(f"legal form unified: '{' '.join(plain)}' -> '{' '.join(toks)}'")
    return notes


def _merge_split_words(ta: list[str], tb: list[str]) -> tuple[list[str], list[str], list[str]]:
    """"FridrichBuchenberg" vs "Friedrich Buchenberg", "Patr ushev" vs "Patrushev": join two
    neighbouring words of one name when together they match a word of the other name better
    than either does alone. Returns both lists and the joined words (for the explanation)."""
    joined: list[str] = []

    def merge(side: list[str], other: list[str]) -> list[str]:
        out = list(side)
        i = 0
        while i < len(out) - 1:
            pair = out[i] + out[i + 1]
            best_pair = max([token_similarity(pair, o) for o in other])
            # the words alone matter only when the joined word is close to one: most pairs
            # stop at the first test and skip len(other) * 2 comparisons
            if best_pair >= 0.9 and best_pair > max(
                    [token_similarity(t, o) for t in out[i:i + 2] for o in other]):
                out[i:i + 2] = [pair]
                joined.append(pair)
                continue
            i += 1
        return out

    return merge(ta, tb), merge(tb, ta), joined


@dataclass(frozen=True)
class NameEvidence:
    """Everything the comparator learnt about a pair: features, the token alignment (after
    symbol and initial rewriting), the symbol pairs and the initials that were expanded."""

    features: NameFeatures
    matches: list[TokenMatch]
    symbol_pairs: tuple[SymbolPair, ...] = ()
    initials: tuple[tuple[str, str], ...] = ()  # (initial, the name it stands for)
    joined: tuple[str, ...] = ()  # words written apart in one name, together in the other
    rewrites: tuple[str, ...] = ()  # legal forms unified, "Surname, Given" put in order
    symbols: SymbolRewrite | None = field(default=None, compare=False, repr=False)

    @property
    def values(self) -> tuple[float, ...]:
        """The feature values in `NameFeatures` field order (as `PairValues.values`)."""
        return tuple(self.features.as_vector())


def _is_initial_of(short: str, full: str) -> bool:
    return len(short) == 1 and len(full) > 1 and full[0] == short


def _expand_initials(ta: list[str], tb: list[str], matches: list[Triple],
                     ) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """"J Smith" vs "John Smith": write the initial out as the name it was aligned to, so the
    edit-distance features stop counting "j" vs "john" as a misspelling. Only when another part
    matched well: "N N" against "Nursultan Nazarbayev" is anchored by nothing."""
    if not any(len(m_l) > 1 and len(m_r) > 1 and m_s >= _GOOD_TOKEN for m_l, m_r, m_s in matches):
        return ta, tb, []
    left, right, done = list(ta), list(tb), []
    for m_l, m_r, _ in matches:
        if _is_initial_of(m_l, m_r):
            left[left.index(m_l)] = m_r
            done.append((m_l, m_r))
        elif _is_initial_of(m_r, m_l):
            right[right.index(m_r)] = m_l
            done.append((m_r, m_l))
    return left, right, done


def could_pair_person_names(a: str, b: str, schema: str | None = None) -> bool:
    """Both names have a word the other lacks: only then can rigour's person tagger pair two
    different spellings ("hsi" / "xi") and change any feature. Names whose words are all
    shared are compared the same with or without it."""
    kind = name_kind(schema)
    sa, sb = _compare_token_set(a, kind), _compare_token_set(b, kind)
    return not sa <= sb and not sb <= sa


class PairValues(NamedTuple):
    """What the score needs of `NameEvidence`, for callers that show no explanation: the
    feature values in `NameFeatures` field order, the alignment as triples and the symbol
    rewrite (to recognise the same rewrite found with other symbols)."""

    values: tuple[float, ...]
    matches: list[Triple]
    symbols: SymbolRewrite | None = None


def is_anchored(ev: NameEvidence | PairValues) -> bool:
    """Both names have several words and a name word (not a particle) of one matched one of
    the other: rewriting the remaining words could then make the names agree ("Bill Gates" /
    "William Henry Gates")."""
    if len(ev.matches) < 2:
        return False
    matches = ev.matches if isinstance(ev, PairValues) else [
        (m.left, m.right, m.score) for m in ev.matches]
    return any(m_s >= _GOOD_TOKEN and m_l not in _PARTICLES and m_r not in _PARTICLES
               for m_l, m_r, m_s in matches)


def name_features(a: str, b: str, schema: str | None = None,
                  ) -> tuple[NameFeatures, list[TokenMatch]]:
    """Features of a pair of raw names and the token alignment they rest on."""
    ev = name_evidence(a, b, schema)
    return ev.features, ev.matches


_NO_VALUES = (0.0,) * len(NameFeatures.names())


def name_evidence(a: str, b: str, schema: str | None = None, person_names: bool = True,
                  known: NameEvidence | None = None) -> NameEvidence:
    """Features of a pair of raw names, with the rewrites behind them.

    `schema` is a FollowTheMoney schema name ("Person", "Company", ...) when the caller knows
    what kind of entity both names belong to; it picks rigour's person or organisation tagger
    and sets the `person` / `org` features. Without it both taggers run and neither is set.
    `person_names=False` leaves out the person tagger's names, nicknames and initials (see
    `symbols.pair_by_symbols`). `known`, evidence for the same pair found with other symbols,
    is returned as it is when the symbols rewrite the names the same way: everything after
    the rewrite depends only on it.
    """
    kind, ta, tb, rw = _symbols(a, b, schema, person_names)
    if rw is None:
        return NameEvidence(NameFeatures(*_NO_VALUES), [])
    if known is not None and known.symbols == rw:
        return known
    rewrites = tuple(_rewrite_notes(a, ta, kind)) + tuple(_rewrite_notes(b, tb, kind))
    values, matches, expanded, joined = _measure(a, b, kind, rw)
    return NameEvidence(NameFeatures(*values), [TokenMatch(*m) for m in matches], rw.pairs,
                        tuple(expanded), tuple(joined), rewrites, rw)


def pair_values(a: str, b: str, schema: str | None = None, person_names: bool = True,
                known: PairValues | None = None) -> PairValues:
    """`name_evidence` for a score alone: the same feature values, without the notes and
    objects only an explanation reads (linkage scores thousands of pairs a second)."""
    kind, _, _, rw = _symbols(a, b, schema, person_names)
    if rw is None:
        return PairValues(_NO_VALUES, [])
    if known is not None and known.symbols == rw:
        return known
    values, matches, _, _ = _measure(a, b, kind, rw)
    return PairValues(values, matches, rw)


def _symbols(a: str, b: str, schema: str | None, person_names: bool,
             ) -> tuple[NameTypeTag, list[str], list[str], SymbolRewrite | None]:
    """The first steps of both `name_evidence` and `pair_values`: the kind of name, the
    compare tokens and rigour's symbol rewrite of them (None when a name has no tokens)."""
    kind = name_kind(schema)
    ta, tb = compare_tokens(a, b, kind)
    if not ta or not tb:
        return kind, ta, tb, None
    return kind, ta, tb, pair_by_symbols(ta, tb, kind, person_names)


def _measure(a: str, b: str, kind: NameTypeTag, rw: SymbolRewrite,
             ) -> tuple[tuple[float, ...], list[Triple], list[tuple[str, str]], list[str]]:
    """The feature values (in `NameFeatures` field order) of two raw names whose compare
    tokens rigour's symbols rewrote into `rw`, the token alignment, the initials written out
    and the words joined."""
    n_tokens = len(_compare_tokens(a, kind)) + len(_compare_tokens(b, kind))
    n_agreed = sum(len(p.left) + len(p.right) for p in rw.pairs)
    # equal words need no symbol
    n_agreed += 2 * len(_compare_token_set(a, kind) & _compare_token_set(b, kind))
    ta, tb, joined = _merge_split_words(rw.left, rw.right)
    matches = _align(ta, tb, token_similarity)
    ta, tb, expanded = _expand_initials(ta, tb, matches)
    if expanded:  # initials written out: align again
        matches = _align(ta, tb, token_similarity)
    sa, sb = " ".join(ta), " ".join(tb)
    wa, wb = _weights(ta), _weights(tb)
    cover_a = _coverage(ta, {m_l: m_s for m_l, _, m_s in matches}, wa)
    cover_b = _coverage(tb, {m_r: m_s for _, m_r, m_s in matches}, wb)
    a_short = sum(map(len, ta)) <= sum(map(len, tb))
    short, long_side = (ta, tb) if a_short else (tb, ta)
    idents = [m for m in matches if (m[0] if a_short else m[1]) not in _PARTICLES]
    skel_map = {(m_l if a_short else m_r): m_s
                for m_l, m_r, m_s in _align(ta, tb, _skeleton_similarity)}
    order = [tb.index(m_r) for _, m_r, m_s in matches if m_s >= _GOOD_TOKEN]
    in_order = order == sorted(order)
    edits = [Levenshtein.normalized_similarity(m_l, m_r) for m_l, m_r, _ in idents]
    n_short = len([t for t in short if t not in _PARTICLES])
    n_long = len([t for t in long_side if t not in _PARTICLES])
    n_unmatched = n_short - sum(1 for m in idents if m[2] >= _GOOD_TOKEN)
    long_matched = {(m_r if a_short else m_l) for m_l, m_r, m_s in matches
                    if m_s >= _GOOD_TOKEN}
    extra = [t for t in long_side if t not in _PARTICLES and t not in long_matched
             and not _is_legal_form(t)]
    ca, cb = "".join(ta), "".join(tb)
    is_per, is_org = kind == NameTypeTag.PER, kind == NameTypeTag.ORG
    values = (
        fuzz.token_set_ratio(sa, sb) / 100,  # token_set
        fuzz.token_sort_ratio(sa, sb) / 100,  # token_sort
        JaroWinkler.similarity(ca, cb),  # compact
        cover_a if a_short else cover_b,  # cover_short
        cover_b if a_short else cover_a,  # cover_long
        min([m[2] for m in idents], default=0.0),  # worst_token
        _coverage(short, skel_map, wa if a_short else wb),  # skeleton
        1.0 if _is_cross_script(a, b) else 0.0,  # cross_script
        1.0 if in_order else 0.0,  # same_order
        Levenshtein.normalized_similarity(ca, cb),  # compact_edit
        min(edits, default=0.0),  # worst_edit
        1.0 if n_short <= 1 < n_long else 0.0,  # lone_token
        min(n_unmatched, 2) / 2,  # unmatched
        1.0 if _outside(rw.qualifiers_left, tb) or _outside(rw.qualifiers_right, ta)
        else 0.0,  # qualifier
        len(expanded) / max(n_short, 1),  # initials
        min(n_agreed / n_tokens, 1.0),  # agreed
        min(max((Levenshtein.distance(m_l, m_r) for m_l, m_r, _ in idents), default=0), 4)
        / 4,  # edits
        min(len(extra), 2) / 2,  # extra_words
        min(len(extra), 2) / 2 if is_org else 0.0,  # org_extra
        1.0 if is_per and not in_order else 0.0,  # person_reordered
        1.0 if is_per else 0.0,  # person
        1.0 if is_org else 0.0,  # org
    )
    return values, matches, expanded, joined


def _outside(qualifiers: frozenset[str], toks: list[str]) -> bool:
    """Some qualifier ("chile", "3") of one name is not a word of the other."""
    return bool(qualifiers) and not qualifiers.issubset(toks)
