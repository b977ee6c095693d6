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
from dataclasses import dataclass, field
from functools import lru_cache
from typing import ClassVar

from tarazu.names.features import NameFeatures, TokenMatch, name_features
from tarazu.names.normalise import normalise

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
    """Logistic regression over order-free token similarity, token alignment coverage and
    consonant-skeleton agreement. Tolerates transliteration variants (Tehreek/Tahrik),
    cross-script pairs (Arabic script vs Latin), initials, organisation-form variants
    (Aktiengesellschaft/AG) and omitted middle names; penalises a replaced name part
    (Al-Mosuli vs Al-Duri) through the weakest-token feature."""

    NAME: ClassVar[str] = "tarazu_names_v1"
    # Fitted on the dev split (bench/quality_names.py --fit). Features not listed here (token
    # set ratio, coverage) are kept for explanations only: they added nothing once these were in.
    WEIGHTS: ClassVar[dict[str, float]] = {
        "token_sort": 0.232, "worst_token": 0.911, "skeleton": 6.169, "cross_script": 3.0,
        "same_order": 0.287, "compact_edit": 3.62, "worst_edit": 1.501, "unmatched": -1.129,
    }
    INTERCEPT: ClassVar[float] = -9.519
    CONFIG: ClassVar[dict[str, ConfigVar]] = {
        "threshold": ConfigVar(0.45, "Score from which a pair is a match (best mean dev F1)."),
        **{f"w_{k}": ConfigVar(v, f"Weight of the '{k}' feature.") for k, v in WEIGHTS.items()},
        "intercept": ConfigVar(INTERCEPT, "Bias of the logistic combination."),
    }

    def __init__(self, **overrides: float) -> None:
        unknown = set(overrides) - set(self.CONFIG)
        if unknown:
            raise ValueError(f"unknown config for {self.NAME}: {sorted(unknown)}")
        self.config = {k: overrides.get(k, v.default) for k, v in self.CONFIG.items()}

    @classmethod
    def get_docs(cls) -> dict[str, object]:
        return {
            "name": cls.NAME,
            "description": " ".join((cls.__doc__ or "").split()),
            "config": {k: {"default": v.default, "description": v.description}
                       for k, v in cls.CONFIG.items()},
        }

    def compare(self, a: str, b: str) -> NameComparison:
        feats, matches = name_features(a, b)
        left, right = normalise(a), normalise(b)
        if not left or not right:
            return NameComparison(0.0, left, right, (), ("a name is empty after normalisation",))
        if left.replace(" ", "") == right.replace(" ", ""):
            score = 1.0
        else:
            z = self.config["intercept"] + sum(
                self.config[f"w_{k}"] * getattr(feats, k) for k in self.WEIGHTS)
            score = 1.0 / (1.0 + math.exp(-z))
        return NameComparison(round(score, 4), left, right, tuple(matches),
                              _reasons(a, b, left, right, feats, matches), feats)


def _reasons(a: str, b: str, left: str, right: str, f: NameFeatures,
             matches: list[TokenMatch]) -> tuple[str, ...]:
    out: list[str] = []
    if left.replace(" ", "") == right.replace(" ", ""):
        out.append("identical after normalisation" if a != b else "identical")
    if f.cross_script:
        out.append("compared across scripts via transliteration")
    out += [f"token '{m.left}' ~ '{m.right}' ({m.score:.2f})" for m in matches if m.score < 1.0]
    if f.worst_token < 0.8:
        out.append("a name part does not match")
    if f.cover_long < 0.8 <= f.cover_short:
        out.append("one name has extra parts")
    if not f.same_order:
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


def compare_names(a: str, b: str) -> NameComparison:
    """Compare two names with the default matcher and explain the score."""
    return _default().compare(a, b)


def name_similarity(a: str, b: str) -> float:
    """Similarity of two names in 0..1; at or above DEFAULT_THRESHOLD means "same name"."""
    return compare_names(a, b).score
