"""Fitting the related class ("another account of the same operator", ``linkage.related``)
without labels.

After the match class (held fixed), by EM over the same blocked pairs: it starts from the
pairs whose own odds call them a match but whose new account gives the match to another of
its candidates (a new account continues one removed account: strong evidence shared with
several says "related"), and alternates estimating m_related and the related prior with the
three-way posteriors. u stays the match class's. The posteriors share a new account's
match among its candidates only: a removed account continued twice (an operator who comes
back again) has two matches, not a match and a related pair.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from tarazu.linkage.dependence import dependence_scale, matching_scale
from tarazu.linkage.model import Calibration, LinkageModel
from tarazu.linkage.pair_sample import PairSample, exclusive_posteriors, related_bits, totals
from tarazu.linkage.related import RelatedWeights

#: a level the related pairs never showed keeps this count, so its m_related is not 0
_SMOOTHING = 1e-3


def fit_related(model: LinkageModel, sample: PairSample, actives: int, removed: int,
                iterations: int = 20) -> LinkageModel:
    """``model`` (its match class fitted) with the related class fitted over ``sample``'s
    blocked pairs of ``actives`` new and ``removed`` removed accounts. The related prior is a
    pair prior over every (new, removed) pair, as the match prior is: u comes from random
    pairs, so a level's weight already carries how much more often blocked pairs show it.
    The model unchanged (without a related class) when less than one pair's worth looks
    related: m_related from fewer would be noise."""
    bare = replace(model, related_prior=None, related_scale=None)
    if not len(sample.levels):
        return bare
    t = totals(bare, sample)
    e = np.power(2.0, np.clip(t, -300.0, 300.0))
    # pairs whose own odds say "match" but whose new account gives the match to another of
    # its candidates. Not the removed account's other successors: an operator who comes
    # back twice makes two matches of one removed account, not a related pair
    resp = np.clip(e / (1.0 + e) - exclusive_posteriors(t, sample, successors=False), 0.0, 1.0)
    pairs = max(actives, 1) * max(removed, 1)
    cur = bare
    for _ in range(iterations):
        if resp.sum() < 1.0:
            return bare
        cur = _m_step(bare, sample, resp, pairs)
        weights = RelatedWeights.of(cur, sample.names)
        assert weights is not None
        r = weights.evidence(sample.levels)
        match = exclusive_posteriors(t - np.logaddexp2(0.0, r), sample, successors=False)
        resp = (1.0 - match) / (1.0 + np.power(2.0, -np.clip(r, -300.0, 300.0)))
    return cur


def _m_step(model: LinkageModel, sample: PairSample, resp: np.ndarray, pairs: int
            ) -> LinkageModel:
    """m_related of every level, and the related prior, from the pairs' responsibilities
    (the share of each pair that is related)."""
    specs = []
    for s in model.comparators:
        if s.name not in sample.names:
            specs.append(s)
            continue
        col = sample.levels[:, sample.names.index(s.name)]
        seen = col >= 0
        counts = np.bincount(col[seen], weights=resp[seen], minlength=len(s.levels))
        counts = counts[: len(s.levels)] + _SMOOTHING
        m = counts / counts.sum()
        specs.append(replace(s, levels=tuple(
            replace(lv, m_related=float(m[i])) for i, lv in enumerate(s.levels))))
    prior = float(np.clip(resp.sum() / pairs, 1e-12, 0.5))
    return replace(model, comparators=tuple(specs), related_prior=prior)


def expected_mirrors(model: LinkageModel, sample: PairSample) -> float:
    """The mirrors the three-class model expects among ``sample``'s new accounts (the sum of
    its exclusive posteriors): what the operator check's calibration keeps once the
    comparators are discounted, as the two-class calibration keeps its own."""
    bits = related_bits(model, sample)
    if bits is None:
        return 0.0
    return float(exclusive_posteriors(totals(model, sample) + bits, sample).sum())


def operator_scale(model: LinkageModel, sample: PairSample, expected: float | None,
                   temper: bool) -> float:
    """The operator check's calibration scale, found as the self-fit finds the two-class
    one: the scale at which the discounted three-class posteriors sum to ``expected`` (None:
    nothing was discounted, 1), times the dependence scale among the pairs they take for
    mirrors (``temper``)."""
    bits = related_bits(model, sample)
    if bits is None:
        raise ValueError("the model has no related class")
    t = totals(model, sample) + bits
    count = 1.0 if expected is None else matching_scale(expected, t, sample, model.prior_weight)
    if not temper:
        return round(count, 4)
    p = exclusive_posteriors(t, sample, Calibration("exclusive", scale=count), model.prior_weight)
    return round(count * dependence_scale(model, sample, p), 4)
