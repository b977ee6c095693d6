"""Pairwise name features: each one a similarity in 0..1 that a reviewer can read.

The comparator (`compare.py`) weighs these; keeping them separate lets the benchmark script
refit the weights and lets an explanation say which evidence carried a score.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, fields
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler, Levenshtein
from rigour.names import NameTypeTag, remove_org_types, replace_org_types_compare

from tarazu.names.normalise import normalise
from tarazu.names.phonetic import consonant_skeleton
from tarazu.names.symbols import SymbolPair, SymbolRewrite, name_kind, pair_by_symbols

__all__ = ["NameEvidence", "NameFeatures", "TokenMatch", "align_tokens",
           "could_pair_person_names", "is_anchored", "name_evidence", "name_features",
           "token_similarity"]

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
            best_pair = max(token_similarity(pair, o) for o in other)
            best_single = max(token_similarity(t, o) for t in out[i:i + 2] for o in other)
            if best_pair >= 0.9 and best_pair > best_single:
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


def _is_initial_of(short: str, full: str) -> bool:
    return len(short) == 1 and len(full) > 1 and full[0] == short


def _expand_initials(ta: list[str], tb: list[str], matches: list[TokenMatch],
                     ) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """"J Smith" vs "John Smith": write the initial out as the name it was aligned to, so the
    edit-distance features stop counting "j" vs "john" as a misspelling. Only when another part
    matched well: "N N" against "Nursultan Nazarbayev" is anchored by nothing."""
    if not any(len(m.left) > 1 and len(m.right) > 1 and m.score >= _GOOD_TOKEN for m in matches):
        return ta, tb, []
    left, right, done = list(ta), list(tb), []
    for m in matches:
        if _is_initial_of(m.left, m.right):
            left[left.index(m.left)] = m.right
            done.append((m.left, m.right))
        elif _is_initial_of(m.right, m.left):
            right[right.index(m.right)] = m.left
            done.append((m.right, m.left))
    return left, right, done


def could_pair_person_names(a: str, b: str, schema: str | None = None) -> bool:
    """Both names have a word the other lacks: only then can rigour's person tagger pair two
    different spellings ("hsi" / "xi") and change any feature. Names whose words are all
    shared are compared the same with or without it."""
    ta, tb = compare_tokens(a, b, name_kind(schema))
    return bool(set(ta) - set(tb)) and bool(set(tb) - set(ta))


def is_anchored(ev: NameEvidence) -> bool:
    """Both names have several words and a name word (not a particle) of one matched one of
    the other: rewriting the remaining words could then make the names agree ("Bill Gates" /
    "William Henry Gates")."""
    if len(ev.matches) < 2:
        return False
    return any(m.score >= _GOOD_TOKEN and m.left not in _PARTICLES and m.right not in _PARTICLES
               for m in ev.matches)


def name_features(a: str, b: str, schema: str | None = None,
                  ) -> tuple[NameFeatures, list[TokenMatch]]:
    """Features of a pair of raw names and the token alignment they rest on."""
    ev = name_evidence(a, b, schema)
    return ev.features, ev.matches


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
    kind = name_kind(schema)
    ta, tb = compare_tokens(a, b, kind)
    if not ta or not tb:
        return NameEvidence(NameFeatures(*[0.0] * len(NameFeatures.names())), [])
    rw = pair_by_symbols(ta, tb, kind, person_names)
    if known is not None and known.symbols == rw:
        return known
    rewrites = tuple(_rewrite_notes(a, ta, kind)) + tuple(_rewrite_notes(b, tb, kind))
    n_tokens = len(ta) + len(tb)
    n_agreed = sum(len(p.left) + len(p.right) for p in rw.pairs)
    n_agreed += 2 * sum(1 for t in set(ta) & set(tb))  # equal words need no symbol
    ta, tb = rw.left, rw.right
    ta, tb, joined = _merge_split_words(ta, tb)
    matches = align_tokens(ta, tb)
    ta, tb, expanded = _expand_initials(ta, tb, matches)
    if expanded:  # initials written out: align again
        matches = align_tokens(ta, tb)
    sa, sb = " ".join(ta), " ".join(tb)
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
    long_side = tb if a_short else ta
    long_matched = {(m.right if a_short else m.left) for m in matches if m.score >= _GOOD_TOKEN}
    extra = [t for t in long_side if t not in _PARTICLES and t not in long_matched
             and not _is_legal_form(t)]
    feats = NameFeatures(
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
        qualifier=1.0 if (rw.qualifiers_left - set(tb)) or (rw.qualifiers_right - set(ta))
        else 0.0,
        initials=len(expanded) / max(n_short, 1),
        agreed=min(n_agreed / n_tokens, 1.0),
        edits=min(max((Levenshtein.distance(m.left, m.right) for m in idents), default=0), 4) / 4,
        extra_words=min(len(extra), 2) / 2,
        org_extra=min(len(extra), 2) / 2 if kind == NameTypeTag.ORG else 0.0,
        person_reordered=1.0 if kind == NameTypeTag.PER and order != sorted(order) else 0.0,
        person=1.0 if kind == NameTypeTag.PER else 0.0,
        org=1.0 if kind == NameTypeTag.ORG else 0.0,
    )
    return NameEvidence(feats, matches, rw.pairs, tuple(expanded), tuple(joined), rewrites, rw)
