"""Name comparison: one score in 0..1 and the evidence behind it.

The score is a logistic combination of the readable features in `features.py`. The weights
were fitted on the *dev* half of two public benchmarks (OpenSanctions' name cases and Google's
Arabic->English names; see `bench/quality_names.py --fit`) and are written here as constants so
that scoring is deterministic and reviewable. Matchers are registered by name, each with a
documented configuration, following the nomenklatura pattern: callers pick one by name and can
show its documentation next to a decision.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import ClassVar

from tarazu.names.features import (
    NameEvidence,
    NameFeatures,
    PairValues,
    TokenMatch,
    could_pair_person_names,
    is_anchored,
    name_evidence,
    pair_values,
)
from tarazu.names.normalise import normalise

#: What the scoring steps read of a pair: full evidence, or the values of a score alone.
_Evidence = NameEvidence | PairValues

__all__ = [
    "ALGORITHMS",
    "DEFAULT_THRESHOLD",
    "ConfigVar",
    "LogisticNameMatcher",
    "NameComparison",
    "compare_names",
    "get_algorithm",
    "name_similarity",
]


@dataclass(frozen=True)
class ConfigVar:
    """A documented, overridable setting of a matcher."""

    default: float
    description: str


@dataclass(frozen=True)
class NameComparison:
    """Result of comparing two names, complete enough to explain to a reviewer."""

    score: float
    left: str  # normalised form of the first name
    right: str  # normalised form of the second name
    matched_tokens: tuple[TokenMatch, ...]
    reasons: tuple[str, ...]
    features: NameFeatures | None = field(default=None, compare=False, repr=False)

    def is_match(self, threshold: float | None = None) -> bool:
        return self.score >= (DEFAULT_THRESHOLD if threshold is None else threshold)


class LogisticNameMatcher:
    """Logistic regression over order-free token similarity, token alignment coverage,
    consonant-skeleton agreement and rigour's name symbols. Tolerates transliteration variants
    (Tehreek/Tahrik), cross-script pairs (Arabic script vs Latin), romanisation systems whose
    equivalence rigour knows (Hsi/Xi, Tse-tung/Zedong), number words (Forty-Four/44), legal
    forms (Aktiengesellschaft/AG, Corp/Corporation), initials (V. Putin), "Surname, Given"
    order, and words run together or split (FridrichBuchenberg). Penalises a replaced name
    part (Al-Mosuli vs Al-Duri), a surname several edits away (Lukashevich vs Lukashenko),
    extra words in an organisation name (Crystalord Systems Ltd vs Crystalord Ltd) and, for
    people, matched parts in another order (Salman bin Muhammad vs Muhammad bin Salman).
    The schema, when given, selects person or organisation evidence."""

    NAME: ClassVar[str] = "tarazu_names_v1"
    # Fitted on the dev split (bench/quality_names.py --fit). Features not listed here
    # (qualifier) are kept for explanations only: they added nothing once these were in.
    # Weights of correlated features are not separately interpretable (e.g. `agreed` is
    # negative because `token_sort`, `cover_*` and `skeleton` already count the same words).
    WEIGHTS: ClassVar[dict[str, float]] = {
        "token_set": 0.375, "token_sort": 1.559, "compact": 0.96, "cover_short": 1.844,
        "cover_long": 0.91, "worst_token": 0.029, "skeleton": 6.958, "cross_script": 3.579,
        "same_order": -0.461, "compact_edit": 2.669, "worst_edit": 1.993, "lone_token": -0.884,
        "unmatched": 1.82, "initials": 0.331, "agreed": -3.101, "edits": -3.542,
        "extra_words": -0.907, "org_extra": -2.933, "person_reordered": -1.534,
        "person": -0.288, "org": 0.084,
    }
    INTERCEPT: ClassVar[float] = -9.861
    CONFIG: ClassVar[dict[str, ConfigVar]] = {
        "threshold": ConfigVar(0.45, "Score from which a pair is a match (best mean dev F1)."),
        **{f"w_{k}": ConfigVar(v, f"Weight of the '{k}' feature.") for k, v in WEIGHTS.items()},
        "intercept": ConfigVar(INTERCEPT, "Bias of the logistic combination."),
        # Over every benchmark pair the person tagger moved a decision only from scores
        # 0.010 .. 0.574 without it (Mao Tse-tung / Mao Zedong up from 0.010, an Egyptian
        # patronymic swap down from 0.574); the band keeps a margin either side.
        "person_low": ConfigVar(0.005, "Lowest score at which the person tagger is asked "
                                       "for a pair with no word in common."),
        "person_high": ConfigVar(0.97, "Score from which the person tagger is not asked."),
    }

    def __init__(self, **overrides: float) -> None:
        unknown = set(overrides) - set(self.CONFIG)
        if unknown:
            raise ValueError(f"unknown config for {self.NAME}: {sorted(unknown)}")
        self.config = {k: overrides.get(k, v.default) for k, v in self.CONFIG.items()}
        self._weights = tuple((k, self.config[f"w_{k}"]) for k in self.WEIGHTS)
        # the same weights, in the same order, by position in `NameFeatures.as_vector()`
        self._weights_at = tuple((NameFeatures.names().index(k), w) for k, w in self._weights)

    @classmethod
    def get_docs(cls) -> dict[str, object]:
        return {
            "name": cls.NAME,
            "description": " ".join((cls.__doc__ or "").split()),
            "config": {k: {"default": v.default, "description": v.description}
                       for k, v in cls.CONFIG.items()},
        }

    def compare(self, a: str, b: str, schema: str | None = None,
                person_names: bool | None = None) -> NameComparison:
        """Score two names; `schema` (FollowTheMoney: "Person", "Company", ...) when known.

        rigour's person tagger (romanisations, nicknames; seconds of CPU to build, once per
        process) is consulted only when it could change the decision: both names have a word
        the other lacks and the score without it lies in the uncertain band `person_low` ..
        `person_high`. `person_names=True` always consults it, `False` never (for benchmarks
        and to prove the shortcut harmless: `bench/names_speed.py --check`)."""
        score, left, right, ev = self._scored(a, b, schema, person_names)
        if ev is None:
            return NameComparison(0.0, left, right, (), ("a name is empty after normalisation",))
        return NameComparison(round(score, 4), left, right, tuple(ev.matches),
                              _reasons(a, b, left, right, ev), ev.features)

    def score(self, a: str, b: str, schema: str | None = None,
              person_names: bool | None = None) -> float:
        """The score of :meth:`compare` without building its explanation (linkage compares
        thousands of display names a second and shows reasons only for the few it returns):
        the same steps on :func:`pair_values`, which skips what only an explanation reads."""
        return round(self._scored(a, b, schema, person_names, pair_values)[0], 4)

    def _scored(self, a: str, b: str, schema: str | None, person_names: bool | None,
                evidence: Callable[..., _Evidence] = name_evidence,
                ) -> tuple[float, str, str, _Evidence | None]:
        """Score, normalised names and the evidence (None when a name is empty), found by
        `evidence`: `name_evidence` for an explanation, `pair_values` for a score alone."""
        left, right = normalise(a), normalise(b)
        if not left or not right:
            return 0.0, left, right, None
        ev = evidence(a, b, schema, person_names=person_names is True)
        score = self._score_values(left, right, ev.values)
        if person_names is None and self._person_tagger_could_matter(score, a, b, schema, ev):
            ev = evidence(a, b, schema, person_names=True, known=ev)
            score = self._score_values(left, right, ev.values)
        return score, left, right, ev

    def _score_values(self, left: str, right: str, values: Sequence[float]) -> float:
        """The logistic score of feature values in `NameFeatures` field order."""
        if left.replace(" ", "") == right.replace(" ", ""):
            return 1.0
        z = self.config["intercept"] + sum([w * values[i] for i, w in self._weights_at])
        return 1.0 / (1.0 + math.exp(-z))

    def _person_tagger_could_matter(self, score: float, a: str, b: str, schema: str | None,
                                    ev: _Evidence) -> bool:
        """Below `person_low` a pair needs an anchor (a word matched) for
        a rewritten name to lift it: "Bill Gates" / "William Henry Gates" (0.004 -> 0.93)."""
        if score >= self.config["person_high"] or not could_pair_person_names(a, b, schema):
            return False
        return score >= self.config["person_low"] or is_anchored(ev)


def _reasons(a: str, b: str, left: str, right: str, ev: NameEvidence) -> tuple[str, ...]:
    f, matches = ev.features, ev.matches
    out: list[str] = []
    if left.replace(" ", "") == right.replace(" ", ""):
        out.append("identical after normalisation" if a != b else "identical")
    if f.cross_script:
        out.append("compared across scripts via transliteration")
    out += list(ev.rewrites)
    out += [p.explain() for p in ev.symbol_pairs]
    out += [f"initial '{i}' stands for '{full}'" for i, full in ev.initials]
    out += [f"'{w}' written as one word in one name" for w in ev.joined]
    if f.qualifier:
        out.append("a country or number appears in one name only")
    if f.edits >= 0.75:
        out.append("a name part is several letters away: possibly a different name")
    if f.org_extra:
        out.append("one organisation name has extra words")
    if f.person_reordered:
        out.append("a person's name parts in a different order")
    out += [f"token '{m.left}' ~ '{m.right}' ({m.score:.2f})" for m in matches if m.score < 1.0]
    if f.worst_token < 0.8:
        out.append("a name part does not match")
    if f.cover_long < 0.8 <= f.cover_short:
        out.append("one name has extra parts")
    if not f.same_order and not f.person_reordered:
        out.append("name parts in a different order")
    return tuple(out)


ALGORITHMS: tuple[type[LogisticNameMatcher], ...] = (LogisticNameMatcher,)
DEFAULT_THRESHOLD = LogisticNameMatcher.CONFIG["threshold"].default


def get_algorithm(name: str) -> type[LogisticNameMatcher]:
    for algo in ALGORITHMS:
        if name == algo.NAME:
            return algo
    raise KeyError(name)


@lru_cache(maxsize=1)
def _default() -> LogisticNameMatcher:
    return LogisticNameMatcher()


def compare_names(a: str, b: str, schema: str | None = None) -> NameComparison:
    """Compare two names with the default matcher and explain the score. `schema` is the
    FollowTheMoney schema of both names ("Person", "Company", ...) if known; without it the
    comparator uses evidence that holds for people and organisations alike."""
    return _default().compare(a, b, schema)


def name_similarity(a: str, b: str, schema: str | None = None) -> float:
    """Similarity of two names in 0..1; at or above DEFAULT_THRESHOLD means "same name"."""
    return _default().score(a, b, schema)
