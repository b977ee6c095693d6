"""Name parts that mean the same thing though they are spelt differently, found by rigour.

String similarity cannot know that "Hsi" and "Xi" are one Chinese surname (Wade-Giles and
Pinyin), that "Tse-tung" is "Zedong", that "Forty-Four" is "44", that "Corp" is
"Corporation", or that "PLA" stands for "People's Liberation Army". rigour's name tagger
(`rigour.names.analyze_names`, the one OpenSanctions' matcher uses) knows these from curated
data: cross-script given and family names from Wikidata (`NAME`), number words and ordinals
(`NUMERIC`), legal forms (`ORG_CLASS`), common organisation words and abbreviations (`SYMBOL`,
`DOMAIN`), and country names (`LOCATION`). `rigour.names.pair_symbols` finds the parts two
names share a symbol for; we then rewrite one side's parts into the other's spelling so that
every later feature sees the same word, and keep the pairing to explain the score.

The tagger also tells which parts are *qualifiers*: a country ("Banco Santander Chile") or a
number ("Fund III") that only one name carries is evidence of a different entity, the way
nomenklatura's qualifier checks treat them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rigour.names import Name, NameTypeTag, SymbolCategory, analyze_names, pair_symbols

__all__ = ["SCHEMA_KINDS", "SymbolPair", "SymbolRewrite", "name_kind", "pair_by_symbols"]

# Symbol kinds trusted to rewrite a part into the other name's spelling. PHONETIC is left out:
# string features already measure sound-alikes, and a shared sound is weaker than a shared name.
_REWRITE = {
    SymbolCategory.NAME: "same name",
    SymbolCategory.NICK: "nickname",
    SymbolCategory.NUMERIC: "same number",
    SymbolCategory.ORG_CLASS: "same legal form",
    SymbolCategory.SYMBOL: "same word",
    SymbolCategory.DOMAIN: "same term",
    SymbolCategory.LOCATION: "same place",
    SymbolCategory.INITIAL: "same initial",
}
_QUALIFIERS = (SymbolCategory.LOCATION, SymbolCategory.NUMERIC)


@dataclass(frozen=True)
class SymbolPair:
    """Parts of the two names that share a tagger symbol."""

    left: tuple[str, ...]
    right: tuple[str, ...]
    category: str  # e.g. "same name", "same number"
    symbol: str  # e.g. "NAME:Q10879730", "NUMERIC:44"

    def explain(self) -> str:
        left, right = " ".join(self.left), " ".join(self.right)
        return f"'{left}' = '{right}' ({self.category}, {self.symbol})"


@dataclass(frozen=True)
class SymbolRewrite:
    """Both token lists after symbol-paired parts were given one spelling."""

    left: list[str]
    right: list[str]
    pairs: tuple[SymbolPair, ...]
    qualifiers_left: frozenset[str]  # country / number parts of the left name, rewritten form
    qualifiers_right: frozenset[str]


# What the two rigour taggers add. The organisation tagger (legal forms, organisation words,
# places, number words) builds quickly. The person tagger carries Wikidata's given and family
# names in every script and takes seconds of CPU to build on first use, so
# the comparator asks for it only when it could change a decision (see `compare.py`).
_PERSON_ONLY = frozenset({SymbolCategory.NAME, SymbolCategory.NICK, SymbolCategory.INITIAL})
# Categories the organisation tagger emits that the person tagger does not: dropped from a
# person-name analysis done with the organisation tagger, so it stays a subset of the full one.
_ORG_ONLY = frozenset({SymbolCategory.ORG_CLASS, SymbolCategory.SYMBOL, SymbolCategory.DOMAIN,
                       SymbolCategory.LOCATION})


# FollowTheMoney schemata that are a Person or an Organization (`followthemoney.names.
# schema_type_tag`), written out because importing followthemoney's model is slow; a unit
# test checks the table against the installed model.
SCHEMA_KINDS: dict[str, NameTypeTag] = {
    "Person": NameTypeTag.PER,
    "Organization": NameTypeTag.ORG,
    "Company": NameTypeTag.ORG,
    "PublicBody": NameTypeTag.ORG,
}


def name_kind(schema: str | None) -> NameTypeTag:
    """rigour's name type for a FollowTheMoney schema name; ENT (person *and* organisation
    taggers) when the schema is another one, unknown or absent, so the default works for both."""
    return SCHEMA_KINDS.get(schema or "", NameTypeTag.ENT)


@lru_cache(maxsize=16384)
def _analyse(text: str, kind: NameTypeTag) -> Name | None:
    names = analyze_names(kind, [text], infer_initials=kind != NameTypeTag.ORG,
                          consolidate=False, rewrite=False, phonetics=False)
    return next(iter(names), None)


def _tagger_kind(kind: NameTypeTag, person_names: bool) -> NameTypeTag:
    """The kind to run rigour with: without person names every kind uses the cheap
    organisation tagger (its number words serve person names too)."""
    return kind if person_names or kind == NameTypeTag.ORG else NameTypeTag.ORG


def _allowed(category: SymbolCategory, kind: NameTypeTag, person_names: bool) -> bool:
    if category in _PERSON_ONLY:
        return person_names
    return kind != NameTypeTag.PER or person_names or category not in _ORG_ONLY


@lru_cache(maxsize=16384)
def _parts(text: str, kind: NameTypeTag, person_names: bool,
           ) -> tuple[Name | None, list[str], tuple[int, ...]]:
    """rigour's analysis of one name as `pair_by_symbols` reads it: the analysis, its part
    forms and the indexes of its qualifier parts (a country, a number). Once per name and
    tagger, not once per pair: a display name meets dozens of candidates."""
    name = _analyse(text, _tagger_kind(kind, person_names))
    if name is None:
        return None, [], ()
    qualifier_parts = tuple(
        p.index for span in name.spans
        if span.symbol.category in _QUALIFIERS and _allowed(span.symbol.category, kind,
                                                            person_names)
        for p in span.parts)
    return name, [p.form for p in name.parts], qualifier_parts


def _qualifiers(forms: list[str], qualifier_parts: tuple[int, ...]) -> frozenset[str]:
    """The qualifier parts of a name in the spelling `forms` gives its parts."""
    if not qualifier_parts:
        return frozenset()
    out = {forms[i] for i in qualifier_parts}
    # A lone letter tagged as a Roman numeral ("V. Putin") is far more often an initial.
    return frozenset(t for t in out if t and not (len(t) == 1 and t.isalpha()))


def pair_by_symbols(left: list[str], right: list[str], kind: NameTypeTag = NameTypeTag.ENT,
                    person_names: bool = True) -> SymbolRewrite:
    """Rewrite symbol-paired parts of `left` into `right`'s spelling ("hsi" -> "xi",
    "forty four" -> "44"); tokens are normalised words, one rigour part each.

    `person_names=False` leaves out what only the (slow to build) person tagger knows: given
    and family names, nicknames and initials; numbers, places and organisation words stay."""
    if not left or not right:
        return _unchanged(left, right)
    qn, q_forms, q_quals = _parts(" ".join(left), kind, person_names)
    rn, r_forms, r_quals = _parts(" ".join(right), kind, person_names)
    if qn is None or rn is None or q_forms != left or r_forms != right:
        return _unchanged(left, right)  # rigour split differently; keep the plain comparison
    pairings = pair_symbols(qn, rn)
    if kind == NameTypeTag.PER and not person_names:  # the organisation tagger ran instead
        pairings = [tuple(a for a in p if a.symbol is None
                          or _allowed(a.symbol.category, kind, person_names)) for p in pairings]
    best = max(pairings, key=lambda p: sum(len(a.qps) + len(a.rps) for a in p), default=())
    out: list[str | None] = list(left)
    pairs: list[SymbolPair] = []
    for al in best:
        if al.symbol is None or al.symbol.category not in _REWRITE:
            continue
        qforms = tuple(p.form for p in al.qps)
        rforms = tuple(p.form for p in al.rps)
        if qforms != rforms:
            pairs.append(SymbolPair(qforms, rforms, _REWRITE[al.symbol.category],
                                    f"{al.symbol.category.value}:{al.symbol.id}"))
        idx = sorted(p.index for p in al.qps)
        out[idx[0]] = " ".join(rforms)
        for i in idx[1:]:
            out[i] = None
    # Qualifiers are read in the rewritten spelling, so "chile" vs "chile" is no mismatch.
    new_forms = [t if t is not None else "" for t in out]
    rewritten = " ".join(t for t in out if t).split()
    return SymbolRewrite(rewritten, list(right), tuple(pairs), _qualifiers(new_forms, q_quals),
                         _qualifiers(r_forms, r_quals))


def _unchanged(left: list[str], right: list[str]) -> SymbolRewrite:
    return SymbolRewrite(list(left), list(right), (), frozenset(), frozenset())
