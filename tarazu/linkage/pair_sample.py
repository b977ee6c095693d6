"""A sample of (active, removed) pairs as the self-fit sees them: each pair's comparator
levels, grouped by active account, and what a model makes of them — totals in bits and the
exclusive posteriors (a new account continues at most one removed account, and a removed
account is mostly continued by one). Pure functions over arrays: the EM, the dependence
estimates and the review rule all read pairs this way."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from tarazu.linkage.model import Calibration, LinkageModel, weight_matrix, weights_of
from tarazu.linkage.related import RelatedWeights
from tarazu.linkage.tf import adjusted_weight


@dataclass(frozen=True)
class PairSample:
    """Levels of a set of (active, removed) pairs, grouped by active account (contiguous).
    ``freq`` holds, per term-frequency adjusted comparator, the frequency among removed
    accounts of the value the pair matched on at the top level (NaN: no such match)."""

    names: tuple[str, ...]
    levels: np.ndarray  # (pairs × comparators) int16, MISSING = -1
    starts: np.ndarray  # index of each group's first pair
    #: the removed account of each pair, as an index (pairs with one removed account compete)
    removed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    freq: Mapping[str, np.ndarray] = field(default_factory=dict)
    #: active accounts taken (with or without candidates)
    accounts: int = 0

    @property
    def groups(self) -> np.ndarray:
        """Group index of every pair."""
        sizes = np.diff(np.append(self.starts, len(self.levels)))
        return np.repeat(np.arange(len(self.starts)), sizes)


def totals(model: LinkageModel, sample: PairSample) -> np.ndarray:
    """Each pair's total (prior + level weights + term-frequency adjustments), in bits: the
    two-class evidence, which ranks the candidates."""
    t = model.prior_weight + weights_of(weight_matrix(model.weight_table(), sample.names),
                                        sample.levels)
    for name, f in sample.freq.items():
        spec = model.spec(name)
        top = spec.levels[0]
        has = ~np.isnan(f)
        if has.any():
            adj = np.array([adjusted_weight(top.m, top.u, x) for x in f[has]]) - top.weight
            t[has] += spec.scale * adj
    return t


def related_bits(model: LinkageModel, sample: PairSample) -> np.ndarray | None:
    """What the related class takes from each pair's total under three classes
    (``linkage.related``); None when the model has none."""
    related = RelatedWeights.of(model, sample.names)
    return None if related is None else related.bits(sample.levels)


def operator_posteriors(t: np.ndarray, bits: np.ndarray, sample: PairSample,
                        calibration: Calibration, prior_weight: float) -> np.ndarray:
    """The operator check's posterior of every pair, as the linker reads it
    (``MirrorLinker.probabilities``): the exclusive posterior of its three-class odds (the
    total less the related class's ``bits``) shared with its new account's other candidates'
    three-class odds, and with the removed account's other possible successors at their
    two-class totals (what a linker records of them)."""
    if not len(t):
        return np.zeros(0)
    mine = calibration.odds(t + bits, prior_weight)
    theirs = calibration.odds(t, prior_weight)
    groups = sample.groups
    row = np.bincount(groups, weights=mine)
    col = np.bincount(sample.removed, weights=theirs)
    return mine / (1.0 + row[groups] + col[sample.removed] - theirs)


def exclusive_posteriors(t: np.ndarray, sample: PairSample,
                         calibration: Calibration | None = None,
                         prior_weight: float = 0.0, successors: bool = True) -> np.ndarray:
    """The exclusive posterior (``Calibration.exclusive``) of every pair: its odds shared with
    the active account's other candidates, the removed account's other possible successors
    (unless not ``successors``) and "none of them"; the odds are 2^t, or ``calibration``'s
    (discounted) odds."""
    if not len(t):
        return np.zeros(0)
    e = (np.power(2.0, np.clip(t, -300.0, 300.0)) if calibration is None
         else calibration.odds(t, prior_weight))
    groups = sample.groups
    row = np.bincount(groups, weights=e)
    if not successors:
        return e / (1.0 + row[groups])
    col = np.bincount(sample.removed, weights=e)
    return e / (1.0 + row[groups] + col[sample.removed] - e)


def best_by_total(t: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Index of the pair with the highest total in each group (the first on ties)."""
    ends = np.append(starts[1:], len(t))
    return np.array([s + int(np.argmax(t[s:e])) for s, e in zip(starts, ends, strict=True)],
                    dtype=np.int64)
