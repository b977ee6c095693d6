"""Screening: compare handles, display names, bios and links with designated names.

Three matchers, because names appear in three shapes:

* **Phrases** ("Tehreek-e-Taliban Pakistan", "تحریک طالبان پاکستان", "Umar Media"): windows of
  the text's words are compared with each full alias by the name comparator, which tolerates
  transliteration, script and spelling variants.
* **Compact handles** ("@UmarMedia_0fficial", "t.me/tehriktaliban"): the alias's compact key
  must appear inside the chunk's compact key (a near-exact partial match).
* **Acronyms** (TTP, BLA, BLF, ISKP): an exact token only, upper-case unless it is a piece of a
  handle, and never on its own: it needs supporting context (a claim cue or another word of the
  organisation's names) because "BLA" is also a firm, a phrase and a hundred other things.

Every hit then carries the text's stance (`context.read_stance`): hits in a mention context
(journalists, researchers, victims, opponents) are reported but not actionable.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from rapidfuzz import fuzz

from tarazu.designations.context import Stance, StanceReading, read_stance
from tarazu.designations.model import Alias, AliasKind, Designation
from tarazu.designations.registry import DesignationRegistry
from tarazu.names.compare import compare_names
from tarazu.names.features import token_similarity
from tarazu.names.normalise import fold_confusables, normalise, skeleton_key
from tarazu.names.phonetic import consonant_skeleton

__all__ = ["ScreeningConfig", "ScreeningHit", "Screener"]

# Words too common among designated names to identify one; every *other* word of an alias
# must be present in a window before the window is compared ("Umar Media" needs "Umar").
_COMMON = frozenset({"pakistan", "islamic", "state", "media", "foundation", "production", "the",
                     "of", "for", "al", "e", "i", "province"})
_IZAFAT = frozenset({"e", "i"})
_HANDLE_SPLIT = re.compile(r"[^0-9A-Za-z]+")


def _name_tokens(text: str) -> tuple[str, ...]:
    """Normalised words without the izafat connector ("Tehreek-e-Taliban" -> 2 words)."""
    return tuple(t for t in normalise(text).split() if t not in _IZAFAT)


@dataclass(frozen=True)
class ScreeningConfig:
    """Thresholds, tuned on the dev half of bench/data/screening_labelled.csv."""

    phrase_threshold: float = 0.8  # name-comparator score for a phrase window to count
    compact_min_key: int = 8  # shortest alias compact key searched inside handles
    compact_threshold: float = 95.0  # rapidfuzz partial_ratio for a compact match
    compact_min_skeleton: int = 8  # shortest consonant skeleton searched inside handles
    acronym_upper: float = 0.75  # base score of an upper-case acronym token
    acronym_lower: float = 0.6  # base score of a lower-case acronym piece of a handle
    acronym_support: float = 0.2  # added when a claim cue or a related word supports it
    hit_threshold: float = 0.8  # a hit at or above this (and not a mention) is actionable


@dataclass(frozen=True)
class ScreeningHit:
    designation_id: str
    designation_name: str
    root_id: str  # the listed organisation (the parent for media wings)
    alias: str
    alias_kind: str
    matched_text: str
    score: float
    stance: Stance
    reasons: tuple[str, ...] = ()
    domestic_list_only: bool = False

    @property
    def actionable(self) -> bool:
        return self.stance is not Stance.MENTION

    def as_dict(self) -> dict[str, object]:
        return {"designation_id": self.designation_id, "designation": self.designation_name,
                "root_id": self.root_id, "alias": self.alias, "alias_kind": self.alias_kind,
                "matched_text": self.matched_text, "score": self.score,
                "stance": self.stance.value, "actionable": self.actionable,
                "domestic_list_only": self.domestic_list_only, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class _Target:
    designation: Designation
    alias: Alias
    tokens: tuple[str, ...]
    key: str

    @property
    def skeleton(self) -> str:
        return consonant_skeleton(self.key)

    @property
    def is_acronym(self) -> bool:
        letters = [c for c in self.alias.name if c.isalpha()]
        return (self.alias.kind is AliasKind.WEAK_ALIAS and len(self.tokens) == 1
                and len(letters) <= 5 and all(c.isupper() for c in letters))


@dataclass(frozen=True)
class _Chunk:
    raw: str
    tokens: tuple[str, ...]


@dataclass
class Screener:
    """Screens texts against the designations in force in a registry."""

    registry: DesignationRegistry
    config: ScreeningConfig = field(default_factory=ScreeningConfig)

    @cached_property
    def _targets(self) -> tuple[_Target, ...]:
        out = []
        for d in self.registry.in_force():
            for alias in d.all_aliases:
                toks = _name_tokens(alias.name)
                if toks:
                    out.append(_Target(d, alias, toks, "".join(toks)))
        return tuple(out)

    @cached_property
    def _related(self) -> dict[str, frozenset[str]]:
        """Distinctive words of each root organisation's names (support for acronyms)."""
        words: dict[str, set[str]] = {}
        for t in self._targets:
            root = self.registry.root_of(t.designation).id
            if not t.is_acronym:
                words.setdefault(root, set()).update(x for x in t.tokens if x not in _COMMON
                                                     and len(x) > 3)
        return {k: frozenset(v) for k, v in words.items()}

    def screen(self, text: str) -> list[ScreeningHit]:
        """Best hit per designation, highest score first (mentions included, flagged)."""
        stance = read_stance(text)
        chunks = [_Chunk(c, _name_tokens(c)) for c in text.split() if normalise(c)]
        best: dict[str, ScreeningHit] = {}
        for target in self._targets:
            hit = self._match(target, chunks, stance)
            if hit and (hit.designation_id not in best
                        or hit.score > best[hit.designation_id].score):
                best[hit.designation_id] = hit
        return sorted(best.values(), key=lambda h: (-h.score, h.designation_id))

    def best(self, text: str) -> ScreeningHit | None:
        """The strongest actionable hit, or None."""
        for hit in self.screen(text):
            if hit.actionable and hit.score >= self.config.hit_threshold:
                return hit
        return None

    def screen_account(self, handle: str = "", display_name: str = "", bio: str = "",
                       links: Iterable[str] = ()) -> list[ScreeningHit]:
        """Screen an account's public fields as one text: the bio's stance covers the handle."""
        return self.screen(" ".join([handle, display_name, bio, *links]))

    # -- matchers ---------------------------------------------------------------------------

    def _match(self, target: _Target, chunks: list[_Chunk],
               stance: StanceReading) -> ScreeningHit | None:
        if target.is_acronym:
            return self._match_acronym(target, chunks, stance)
        if target.alias.kind is AliasKind.WEAK_ALIAS:
            return self._match_weak(target, chunks, stance)
        return self._match_compact(target, chunks, stance) or self._match_phrase(
            target, chunks, stance)

    def _hit(self, target: _Target, matched: str, score: float, stance: StanceReading,
             reasons: list[str]) -> ScreeningHit:
        root = self.registry.root_of(target.designation)
        if stance.mention_cues:
            reasons.append("mention context: " + ", ".join(stance.mention_cues))
        elif stance.claim_cues:
            reasons.append("claim context: " + ", ".join(stance.claim_cues))
        if root.id != target.designation.id:
            reasons.append(f"{target.designation.kind} of {root.name}")
        return ScreeningHit(
            designation_id=target.designation.id, designation_name=target.designation.name,
            root_id=root.id, alias=target.alias.name, alias_kind=target.alias.kind.value,
            matched_text=matched, score=round(min(score, 1.0), 4), stance=stance.stance,
            reasons=tuple(reasons),
            domestic_list_only=self.registry.domestic_list_only(target.designation))

    def _match_phrase(self, target: _Target, chunks: list[_Chunk],
                      stance: StanceReading) -> ScreeningHit | None:
        n = len(target.tokens)
        anchors = [t for t in target.tokens if t not in _COMMON] or list(target.tokens)
        best: tuple[float, str, list[str]] | None = None
        words = {t for c in chunks for t in c.tokens}
        if not all(any(token_similarity(w, a) >= 0.8 for w in words) for a in anchors):
            return None
        for start, chunk in enumerate(chunks):
            if not any(token_similarity(tok, a) >= 0.8 for tok in chunk.tokens for a in anchors):
                continue
            for lo in range(max(0, start - n), start + 1):
                for hi in range(start + 1, min(len(chunks), lo + n + 1) + 1):
                    window = chunks[lo:hi]
                    size = sum(len(c.tokens) for c in window)
                    if not (size == n or (n >= 3 and size == n - 1)):
                        continue  # names are contiguous: no words inserted
                    raw = " ".join(c.raw for c in window)
                    cmp = compare_names(raw, target.alias.name)
                    if cmp.score >= self.config.phrase_threshold and (
                            best is None or cmp.score > best[0]):
                        best = (cmp.score, raw, [f"name match '{raw}' ~ '{target.alias.name}'",
                                                 *cmp.reasons])
        if best is None:
            return None
        return self._hit(target, best[1], best[0], stance, best[2])

    def _match_compact(self, target: _Target, chunks: list[_Chunk],
                       stance: StanceReading) -> ScreeningHit | None:
        if len(target.key) < self.config.compact_min_key:
            return None
        # Each chunk, then the whole text: "T e h r i k - e - T a l i b a n" is one name.
        for chunk in [*chunks, _Chunk(" ".join(c.raw for c in chunks), ())]:
            key = skeleton_key(chunk.raw)
            if len(key) < len(target.key) - 1:
                continue
            if target.key in key:
                score = 1.0
            elif len(target.skeleton) >= self.config.compact_min_skeleton and (
                    target.skeleton in consonant_skeleton(key)):
                score = 0.9  # same consonants: a spelling variant run together
            else:
                score = fuzz.partial_ratio(target.key, key) / 100
                if score * 100 < self.config.compact_threshold:
                    continue
            reason = f"'{target.alias.name}' inside '{chunk.raw}' once separators are removed"
            return self._hit(target, chunk.raw, score, stance, [reason])
        return None

    def _match_acronym(self, target: _Target, chunks: list[_Chunk],
                       stance: StanceReading) -> ScreeningHit | None:
        acronym = "".join(c for c in target.alias.name if c.isalnum())
        for chunk in chunks:
            folded = fold_confusables(unicodedata.normalize("NFKC", chunk.raw))
            pieces = [p for p in _HANDLE_SPLIT.split(folded) if p]
            spelt = "".join(pieces) if all(len(p) == 1 for p in pieces) else ""
            if acronym in pieces or spelt == acronym:
                score, how = self.config.acronym_upper, "upper-case acronym"
            elif len(pieces) > 1 and acronym.lower() in (p.lower() for p in pieces):
                score, how = self.config.acronym_lower, "acronym inside a handle"
            else:
                continue
            reasons = [f"{how} '{acronym}' in '{chunk.raw}'"]
            support = self._support(target, chunks, stance)
            if support:
                score += self.config.acronym_support
                reasons.append("supported by: " + ", ".join(support))
            else:
                reasons.append("no supporting context")
            return self._hit(target, chunk.raw, score, stance, reasons)
        return None

    def _match_weak(self, target: _Target, chunks: list[_Chunk],
                    stance: StanceReading) -> ScreeningHit | None:
        """Short generic aliases ("Al-Azaim"): the exact words, and supporting context."""
        words = [t for c in chunks for t in c.tokens]
        n = len(target.tokens)
        if not any(tuple(words[i:i + n]) == target.tokens for i in range(len(words) - n + 1)):
            return None
        score = self.config.acronym_lower
        reasons = [f"weak alias '{target.alias.name}' present"]
        support = self._support(target, chunks, stance, exclude=set(target.tokens))
        if support:
            score += self.config.acronym_support
            reasons.append("supported by: " + ", ".join(support))
        return self._hit(target, target.alias.name, score, stance, reasons)

    def _support(self, target: _Target, chunks: list[_Chunk], stance: StanceReading,
                 exclude: set[str] | frozenset[str] = frozenset()) -> list[str]:
        related = self._related.get(self.registry.root_of(target.designation).id, frozenset())
        words = {t for c in chunks for t in c.tokens} - set(exclude)
        found = sorted(w for w in words if any(token_similarity(w, r) >= 0.85 for r in related))
        return list(stance.claim_cues) + found
