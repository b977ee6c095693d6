"""The Fellegi–Sunter linkage model as reviewable data (JSON that round-trips).

For every comparator level the model holds m = P(level | same operator) and
u = P(level | different operators); the level's match weight is log2(m/u). A pair's total is
the prior weight log2(λ/(1-λ)) plus the weights of its levels (each comparator's counted at its
``scale``, below 1 where it restates other comparators), and a calibration curve maps the
total to a probability. Levels the training data never exercised (no avatars in a benchmark,
say) keep expert-set m/u, marked ``"source": "expert"`` so a reviewer can tell them apart."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from tarazu.linkage.comparators import (
    COMPARATORS,
    DEFAULT_COMPARATORS,
    RELATIVE,
    SECOND_PASS,
    get_comparator,
)

MODEL_FORMAT = "tarazu.linkage.model/v1"

# Expert m/u per level (same order as the comparator's LEVELS). m and u each sum to 1.
EXPERT_MU: dict[str, list[tuple[float, float]]] = {
    "handle": [
        (0.15, 0.0005),
        (0.1, 0.002),
        (0.1, 0.005),
        (0.08, 0.01),
        (0.1, 0.05),
        (0.47, 0.9325),
    ],
    "display_name": [(0.3, 0.002), (0.2, 0.01), (0.15, 0.05), (0.35, 0.938)],
    "bio": [(0.2, 0.001), (0.2, 0.01), (0.3, 0.1), (0.3, 0.889)],
    "profile_links": [(0.4, 0.001), (0.2, 0.02), (0.4, 0.979)],
    "avatar": [(0.35, 0.0005), (0.15, 0.001), (0.1, 0.05), (0.4, 0.9485)],
    "post_text": [(0.1, 0.002), (0.2, 0.01), (0.25, 0.05), (0.25, 0.2), (0.2, 0.738)],
    "recent_text": [(0.1, 0.002), (0.2, 0.01), (0.25, 0.05), (0.25, 0.2), (0.2, 0.738)],
    "pause": [(0.3, 0.05), (0.2, 0.05), (0.15, 0.1), (0.15, 0.3), (0.1, 0.3), (0.1, 0.2)],
    "pause_fit": [(0.3, 0.05), (0.25, 0.1), (0.2, 0.2), (0.15, 0.3), (0.05, 0.25), (0.05, 0.1)],
    "tempo": [(0.5, 0.3), (0.3, 0.3), (0.2, 0.4)],
    "pause_rank": [(0.5, 0.05), (0.15, 0.05), (0.15, 0.1), (0.2, 0.8)],
    "recent_text_rank": [(0.5, 0.05), (0.15, 0.05), (0.15, 0.1), (0.2, 0.8)],
    "reciprocal_rank": [(0.8, 0.2), (0.1, 0.15), (0.07, 0.25), (0.03, 0.4)],
    "lead": [(0.2, 0.05), (0.3, 0.02), (0.2, 0.03), (0.15, 0.05), (0.1, 0.15), (0.05, 0.7)],
    "successor_lead": [(0.2, 0.1), (0.3, 0.02), (0.2, 0.03), (0.15, 0.05), (0.1, 0.2), (0.05, 0.6)],
    "acts_on_others": [(0.1, 0.2), (0.2, 0.2), (0.7, 0.6)],
    "own_pages": [(0.2, 0.1), (0.2, 0.1), (0.6, 0.8)],
    "silent_posts": [(0.3, 0.3), (0.3, 0.3), (0.4, 0.4)],
    "volume": [(0.25, 0.25), (0.25, 0.25), (0.25, 0.25), (0.25, 0.25)],
    "shared_phrases": [(0.1, 0.001), (0.15, 0.005), (0.2, 0.03), (0.55, 0.964)],
    "style": [(0.3, 0.1), (0.3, 0.2), (0.25, 0.3), (0.15, 0.4)],
    "language": [(0.8, 0.5), (0.15, 0.2), (0.05, 0.3)],
    "media": [(0.2, 0.001), (0.2, 0.005), (0.6, 0.994)],
    "hashtags": [(0.2, 0.01), (0.3, 0.05), (0.3, 0.3), (0.2, 0.64)],
    "mentions": [(0.2, 0.01), (0.3, 0.05), (0.3, 0.3), (0.2, 0.64)],
    "contexts": [(0.2, 0.01), (0.3, 0.05), (0.3, 0.3), (0.2, 0.64)],
    "co_activity": [(0.2, 0.01), (0.2, 0.03), (0.2, 0.1), (0.2, 0.3), (0.2, 0.56)],
    "social_graph": [(0.3, 0.005), (0.3, 0.03), (0.2, 0.1), (0.2, 0.865)],
    "references": [(0.05, 0.05), (0.95, 0.95)],
    "creation_gap": [
        (0.3, 0.01),
        (0.15, 0.01),
        (0.15, 0.03),
        (0.1, 0.05),
        (0.1, 0.1),
        (0.07, 0.1),
        (0.05, 0.2),
        (0.01, 0.1),
        (0.04, 0.1),
        (0.02, 0.15),
        (0.01, 0.15),
    ],
    "activity_hours": [(0.4, 0.15), (0.3, 0.25), (0.2, 0.3), (0.1, 0.3)],
    "identifiers": [(0.5, 0.00005), (0.3, 0.0005), (0.1, 0.05), (0.1, 0.94945)],
    "gap_rank": [(0.5, 0.05), (0.15, 0.05), (0.15, 0.1), (0.2, 0.8)],
    "text_rank": [(0.5, 0.05), (0.15, 0.05), (0.15, 0.1), (0.2, 0.8)],
}


@dataclass(frozen=True)
class Level:
    label: str
    m: float
    u: float
    source: str = "expert"  # "expert" | "labelled" | "em"
    count_match: int = 0
    count_nonmatch: int = 0
    #: P(level | another account of the matched operator): how often the pair of a new
    #: account and a removed account *related* to the one it continues shows this level
    #: (``linkage.related``); None where the model has no related class
    m_related: float | None = None

    @property
    def weight(self) -> float:
        """Match weight in bits: log2(m/u)."""
        return math.log2(self.m / self.u)

    @property
    def related_weight(self) -> float:
        """Weight of the related class in bits, log2(m_related/u); 0 without one."""
        return 0.0 if self.m_related is None else math.log2(self.m_related / self.u)

    @property
    def bayes_factor(self) -> float:
        return self.m / self.u


@dataclass(frozen=True)
class ComparatorSpec:
    name: str
    levels: tuple[Level, ...]
    config: Mapping[str, Any] = field(default_factory=dict)
    #: adjust the top level by the frequency of the matched value (``linkage.tf``)
    tf_adjust: bool = False
    #: the share of this comparator's weights counted in a total: below 1 where it reads
    #: much the same fact as other comparators (co-activity presupposes a shared page; a
    #: mirror that keeps its name keeps its handle), which independent weights would count
    #: again (``linkage.dependence.comparator_scales``). A level's counted weight is
    #: ``scale · log2(m/u)``; m and u stay the fitted probabilities.
    scale: float = 1.0

    def weight(self, level: int) -> float:
        """The counted weight of a level (bits); 0 for missing (-1)."""
        return 0.0 if level < 0 else self.scale * self.levels[level].weight

    def weights(self) -> np.ndarray:
        """The counted weights of the levels, then 0 (the missing level, index -1)."""
        return np.array([self.scale * lv.weight for lv in self.levels] + [0.0])

    def related_weights(self) -> np.ndarray:
        """The related class's counted weights of the levels, then 0 (missing)."""
        return np.array([self.scale * lv.related_weight for lv in self.levels] + [0.0])


@dataclass(frozen=True)
class Calibration:
    """Map from total match weight to probability: isotonic points (linear interpolation
    between them, flat beyond), Platt scaling of the total, logistic regression on the total
    *and* the second-pass leads (``features``: how far the pair is ahead of its rivals, which
    the total alone does not say), or, with none of these, the uncalibrated Fellegi–Sunter
    posterior 2^w / (1 + 2^w).

    ``exclusive`` (the self-fitted model's, needing no labels): a new account continues at most
    one removed account, and a removed account is continued by one new account more often than
    by several, so a pair's posterior shares one unit with this account's other candidates, the
    removed account's other possible successors and "none of them":
    p = 2^w / (1 + Σ 2^w_other candidates + Σ 2^w_other successors) (:meth:`exclusive`). A
    rival of the same group with the same evidence halves the probability, as it should. For
    one pair alone it is the Fellegi–Sunter posterior.

    ``scale`` (exclusive only) discounts the evidence for the comparators' dependence: the
    weights are summed as if independent given the match, and comparators reading one fact
    (the pages two editors share, their co-activity and the phrases they quote) are not, so
    the summed evidence spreads wider than it should and the posterior is over-confident.
    The odds use ``prior + scale · (total - prior)``; ranking by total is unchanged. The
    self-fit estimates it without labels: the scale at which the posteriors of its discounted
    comparators (``ComparatorSpec.scale``) keep the number of mirrors it expected before the
    discount — above 1 where the discount took more than the dependence did — times the
    discount for what still moves together (``linkage.dependence.matching_scale``,
    ``dependence_scale``)."""

    # "isotonic" | "platt" | "logistic" | "fellegi_sunter" | "exclusive"
    method: str = "fellegi_sunter"
    x: tuple[float, ...] = ()
    y: tuple[float, ...] = ()
    a: float = 1.0
    b: float = 0.0
    features: tuple[str, ...] = ()  # logistic: extra inputs (raw comparator values, bits)
    coef: tuple[float, ...] = ()
    clip: float = 20.0  # extra inputs are clipped to ±clip; "no rival" counts as +clip
    scale: float = 1.0  # exclusive: what the evidence (bits beyond the prior) is multiplied by

    def feature_matrix(
        self, n: int, extras: Mapping[str, Any] | None
    ) -> np.ndarray:
        """(n × features) clipped extra inputs; a missing value (no rival) is +clip, an
        absent feature 0."""
        out = np.zeros((n, len(self.features)))
        for j, name in enumerate(self.features):
            if extras is None or name not in extras:
                continue
            v = np.asarray(extras[name], dtype=float).reshape(-1)
            out[:, j] = np.clip(np.where(np.isnan(v), self.clip, v), -self.clip, self.clip)
        return out

    def odds(self, totals: np.ndarray, prior_weight: float) -> np.ndarray:
        """2^(prior + scale · (total - prior)): the odds the exclusive posterior shares out,
        the evidence discounted by ``scale``."""
        t = np.asarray(totals, dtype=float)
        if self.scale != 1.0:
            t = prior_weight + self.scale * (t - prior_weight)
        return np.power(2.0, np.clip(t, -300.0, 300.0))

    def exclusive(self, totals: np.ndarray, prior_weight: float,
                  rivals: np.ndarray | None = None) -> np.ndarray:
        """Posteriors of one account's candidates (``totals``, bits), given for each the sum
        of the odds (:meth:`odds`) of the candidate's other possible successors (``rivals``,
        0 if none)."""
        e = self.odds(totals, prior_weight)
        r = np.zeros_like(e) if rivals is None else np.asarray(rivals, dtype=float)
        return e / (1.0 + e.sum() + r)

    def probability(
        self, total: float | np.ndarray, extras: Mapping[str, Any] | None = None
    ) -> np.ndarray | float:
        t = np.asarray(total, dtype=float)
        if self.method == "isotonic" and self.x:
            p = np.interp(t, self.x, self.y)
        elif self.method in ("platt", "logistic"):
            z = self.a * t + self.b
            if self.method == "logistic" and self.features:
                f = self.feature_matrix(t.size, extras) @ np.asarray(self.coef)
                z = z + (f[0] if t.ndim == 0 else f.reshape(t.shape))
            p = 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))
        else:
            p = 1.0 / (1.0 + np.power(2.0, -np.clip(t, -60, 60)))
        return float(p) if p.ndim == 0 else p


@dataclass(frozen=True)
class Thresholds:
    review: float = 0.5
    auto_action: float = 0.995


@dataclass(frozen=True)
class LinkageModel:
    comparators: tuple[ComparatorSpec, ...]
    prior: float  # λ: share of candidate pairs that are matches
    calibration: Calibration = Calibration()
    thresholds: Thresholds = Thresholds()
    name: str = "fellegi_sunter_v1"
    meta: Mapping[str, Any] = field(default_factory=dict)
    #: the related class's pair prior (``linkage.related``): the share of (new, removed)
    #: pairs where the removed account is another account of the new one's operator; None:
    #: no related class, a total is the two-class Fellegi–Sunter sum
    related_prior: float | None = None
    #: the operator check's calibration scale (``Calibration.scale`` of the exclusive
    #: posterior under three classes, ``linkage.related``); None: the check is not made
    related_scale: float | None = None

    @property
    def prior_weight(self) -> float:
        return math.log2(self.prior / (1.0 - self.prior))

    @property
    def related_prior_weight(self) -> float | None:
        p = self.related_prior
        return None if p is None else math.log2(p / (1.0 - p))

    def spec(self, name: str) -> ComparatorSpec:
        for s in self.comparators:
            if s.name == name:
                return s
        raise KeyError(name)

    def weight(self, comparator: str, level: int) -> float:
        return self.spec(comparator).weight(level)

    def weight_table(self) -> dict[str, np.ndarray]:
        """Per comparator, an array of counted level weights with index -1 (missing) mapped
        to 0."""
        return {s.name: s.weights() for s in self.comparators}

    def related_table(self) -> dict[str, np.ndarray]:
        """Per comparator, the related class's counted level weights (missing -> 0); empty
        when the model has no related class."""
        if self.related_prior is None:
            return {}
        return {s.name: s.related_weights() for s in self.comparators}

    def build(self) -> tuple[list[Any], list[Any]]:
        """Instantiate the comparators (base, relative) with the model's config; the
        second-pass signals (reciprocal rank, leads), if the model has them, are applied by the
        linker."""
        base_names = {c.NAME for c in COMPARATORS}
        second = {c.NAME for c in SECOND_PASS}
        base, rel = [], []
        for s in self.comparators:
            if s.name in second:
                continue
            comp = get_comparator(s.name, **_config_from_json(s.config))
            if tuple(lv.label for lv in s.levels) != tuple(comp.LEVELS):
                raise ValueError(f"model levels of {s.name} do not match the comparator's")
            (base if s.name in base_names else rel).append(comp)
        return base, rel

    # --- JSON -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "name": self.name,
            "prior": self.prior,
            "prior_weight": round(self.prior_weight, 4),
            **({"related_prior": self.related_prior} if self.related_prior is not None else {}),
            **({"related_scale": self.related_scale} if self.related_scale is not None else {}),
            "thresholds": {
                "review": self.thresholds.review,
                "auto_action": self.thresholds.auto_action,
            },
            "calibration": {
                "method": self.calibration.method,
                "x": list(self.calibration.x),
                "y": list(self.calibration.y),
                "a": self.calibration.a,
                "b": self.calibration.b,
                "features": list(self.calibration.features),
                "coef": list(self.calibration.coef),
                "clip": self.calibration.clip,
                # written only when set, so that models fitted before it read and write alike
                **({"scale": self.calibration.scale} if self.calibration.scale != 1.0 else {}),
            },
            "comparators": [
                {
                    "name": s.name,
                    "config": dict(s.config),
                    **({"tf_adjust": True} if s.tf_adjust else {}),
                    **({"scale": s.scale} if s.scale != 1.0 else {}),
                    "levels": [
                        {
                            "label": lv.label,
                            "m": lv.m,
                            "u": lv.u,
                            "source": lv.source,
                            "weight": round(s.scale * lv.weight, 4),
                            "count_match": lv.count_match,
                            "count_nonmatch": lv.count_nonmatch,
                            **({"m_related": lv.m_related} if lv.m_related is not None
                               else {}),
                        }
                        for lv in s.levels
                    ],
                }
                for s in self.comparators
            ],
            "meta": dict(self.meta),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LinkageModel:
        if d.get("format") != MODEL_FORMAT:
            raise ValueError(f"not a linkage model (format {d.get('format')!r})")
        cal = d.get("calibration") or {}
        th = d.get("thresholds") or {}
        return cls(
            name=d.get("name", "fellegi_sunter_v1"),
            prior=float(d["prior"]),
            related_prior=(None if d.get("related_prior") is None
                           else float(d["related_prior"])),
            related_scale=(None if d.get("related_scale") is None
                           else float(d["related_scale"])),
            thresholds=Thresholds(
                float(th.get("review", 0.5)), float(th.get("auto_action", 0.995))
            ),
            calibration=Calibration(
                cal.get("method", "fellegi_sunter"),
                tuple(cal.get("x", ())),
                tuple(cal.get("y", ())),
                float(cal.get("a", 1.0)),
                float(cal.get("b", 0.0)),
                tuple(cal.get("features", ())),
                tuple(float(c) for c in cal.get("coef", ())),
                float(cal.get("clip", 20.0)),
                float(cal.get("scale", 1.0)),
            ),
            comparators=tuple(
                ComparatorSpec(
                    name=c["name"],
                    config=dict(c.get("config") or {}),
                    tf_adjust=bool(c.get("tf_adjust", False)),
                    scale=float(c.get("scale", 1.0)),
                    levels=tuple(
                        Level(
                            lv["label"],
                            float(lv["m"]),
                            float(lv["u"]),
                            lv.get("source", "expert"),
                            int(lv.get("count_match", 0)),
                            int(lv.get("count_nonmatch", 0)),
                            None if lv.get("m_related") is None else float(lv["m_related"]),
                        )
                        for lv in c["levels"]
                    ),
                )
                for c in d["comparators"]
            ),
            meta=dict(d.get("meta") or {}),
        )

    @classmethod
    def from_json(cls, text: str) -> LinkageModel:
        return cls.from_dict(json.loads(text))

    def save(self, path: str | Path) -> None:
        """Write the model as JSON, making its folder if needed (after a long fit, a missing
        folder must not lose the model)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> LinkageModel:
        return cls.from_json(Path(path).read_text(encoding="utf-8"))

    def with_(self, **changes: Any) -> LinkageModel:
        return replace(self, **changes)


def weight_matrix(table: Mapping[str, np.ndarray], names: Sequence[str]) -> np.ndarray:
    """The level weights of ``table`` (per comparator, its levels then the missing one, as
    ``LinkageModel.weight_table``) for the comparators ``names``, as one (comparators × most
    levels + 1) array in that order, each row padded with zeros so that a missing level (-1)
    reads 0: a level matrix's weights are then one gather (:func:`weights_of`), not a gather
    per comparator. KeyError for a name the table lacks."""
    rows = [table[n] for n in names]
    out = np.zeros((len(rows), max((len(w) for w in rows), default=1)))
    for j, w in enumerate(rows):
        out[j, : len(w) - 1] = w[:-1]
    return out


def level_weights(matrix: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Each pair's weight per comparator (``levels``: pairs × comparators in the matrix's
    order, -1 missing, which reads 0)."""
    return matrix[np.arange(matrix.shape[0]), levels]


def weights_of(matrix: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Each pair's weights summed (:func:`level_weights`)."""
    return level_weights(matrix, levels).sum(axis=1)


def _config_from_json(config: Mapping[str, Any]) -> dict[str, Any]:
    """JSON has lists where the comparators' defaults are tuples."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in config.items()}


def expert_model(names: tuple[str, ...] | None = None, prior: float = 0.01) -> LinkageModel:
    """A model from expert m/u only: the starting point for EM or labelled fitting. Without
    ``names``, of the default comparators; ``names`` may also pick superseded ones."""
    classes = [*(COMPARATORS if names is not None else DEFAULT_COMPARATORS), *RELATIVE,
               *SECOND_PASS]
    specs = []
    for cls in classes:
        if names is not None and cls.NAME not in names:
            continue
        # the comparators of the removed account's own traces carry their m/u with them
        mu = EXPERT_MU.get(cls.NAME) or cls.EXPERT_MU  # type: ignore[attr-defined]
        specs.append(
            ComparatorSpec(
                cls.NAME,
                tuple(Level(lab, m, u) for lab, (m, u) in zip(cls.LEVELS, mu, strict=True)),
            )
        )
    return LinkageModel(comparators=tuple(specs), prior=prior)
