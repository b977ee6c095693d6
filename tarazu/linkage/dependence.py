"""How far the comparators' evidence restates itself, measured without labels among the
pairs the fitted model takes for mirrors, and what the self-fit does about it: each
comparator counted at the share of its weight that is its own (:func:`comparator_scales`),
the calibration scaled to keep the number of mirrors the fit expected
(:func:`matching_scale`), and the evidence that still moves together tempered
(:func:`dependence_scale`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from tarazu.linkage.model import Calibration, LinkageModel, level_weights, weight_matrix
from tarazu.linkage.pair_sample import PairSample, exclusive_posteriors


def dependence_scale(model: LinkageModel, sample: PairSample, p: np.ndarray) -> float:
    """The share of the summed evidence to count, from how far the comparators' weights move
    together among the pairs the fitted model takes for mirrors (weighted by their posterior
    ``p``; no labels needed). Were the comparators independent given the match, the variance
    of those pairs' summed weight would be the sum of the comparators' variances; comparators
    that read one fact (the pages two editors share, their co-activity, the phrases they
    quote) move together and make it larger by a factor r, so a pair that shows that one fact
    collects its weight several times over, and its posterior is over-confident. The scale is
    1/√r, at most 1 (r ≤ 1: nothing to discount). The pairs taken for mirrors are where the
    flags are decided, and where editors fighting a sock on its pages look like its mirror.
    Each variance and covariance is taken where the comparators measured something
    (:func:`_observed_moments`): comparators missing together on an account seen only at
    sign-up do not read one fact. Ranking is unchanged; the probabilities, and so the review
    threshold, are not."""
    got = _observed_moments(model, sample, p)
    if got is None:
        return 1.0
    cov = got[0]
    spread = float(np.trace(cov))
    total = float(cov.sum())
    if spread <= 0 or total <= spread:
        return 1.0
    return float(np.sqrt(spread / total))


def _weights(model: LinkageModel, sample: PairSample) -> np.ndarray:
    """Each pair's counted weight per comparator (pairs × comparators, ``sample.names``
    order; 0 where missing)."""
    return level_weights(weight_matrix(model.weight_table(), sample.names), sample.levels)


def comparator_scales(model: LinkageModel, sample: PairSample, p: np.ndarray,
                      families: Mapping[str, str] | None = None) -> dict[str, float]:
    """Per comparator, the share of its weight to count: one over the sum of its positive
    correlations with every comparator (itself included), among the pairs the fitted model
    takes for mirrors (weighted by their posterior ``p``; no labels needed). Correlations,
    not covariances: a comparator whose weights hardly vary there is not discounted for
    being small.

    k comparators that read one fact (a shared page, co-activity on it, the phrases quoted
    there; a creation time and a first post minutes after the removal) move together: each
    then gets 1/k, and the fact is counted once instead of k times. A comparator that moves
    on its own keeps 1. Unlike the global :func:`dependence_scale`, this changes the ranking:
    a candidate carried by one fact counted several times no longer outranks one with several
    independent facts.

    Two comparators are correlated over the pairs where both measured something
    (:func:`_observed_moments`): a mirror seen only at sign-up has no posts and no
    follows, so every comparator of activity is missing at once, and counting those zeros
    would make the follow lists look like a restatement of the posts' text.

    Only comparators of one family (``families``: name -> the kind of evidence it reads;
    None: all one family) can restate each other. Across families the weights move together
    among mirrors for another reason: a mirror that copies everything (handle, circle, and
    back within minutes) and one that changes everything (fresh handle, a few old follows,
    back weeks later) are both mirrors, and counting that as one fact read twice discounted
    the follow lists, the one thing that tells a careful mirror's own account from its
    operator's others. The review policy takes the families as independent evidence too.

    A correlation counts only beyond two standard errors of chance among that many pairs
    (``2/√n``, n the posterior-weighted pairs' effective number): among the few pairs of a
    small input, one mirror carries every weight that varies, everything moves together, and
    an unguarded discount would divide every comparator by their number."""
    got = _observed_moments(model, sample, p)
    if got is None:
        return {}
    cov, var, n_eff = got
    moves = (var > 1e-18) & (var.T > 1e-18)
    corr = np.where(moves, cov / np.where(moves, np.sqrt(var * var.T), 1.0), 0.0)
    corr = np.clip(corr - 2.0 / np.sqrt(np.maximum(n_eff, 1.0)), 0.0, None)
    if families is not None:
        kind = np.array([families.get(n, n) for n in sample.names], dtype=object)
        corr = np.where(kind[:, None] == kind[None, :], corr, 0.0)
    np.fill_diagonal(corr, 1.0)
    scale = 1.0 / corr.sum(axis=1)  # each row sums to at least its own 1
    return {n: float(round(v, 4)) for n, v in zip(sample.names, scale.tolist(), strict=True)
            if v < 1.0}


def _observed_moments(model: LinkageModel, sample: PairSample, p: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Pairwise-complete moments of the comparators' weights (columns in ``sample.names``
    order), weighted by the posteriors ``p``, each entry (i, j) over the pairs where neither
    comparator is missing: the covariance, the variance of i (so ``var.T`` is j's), and the
    effective number of those pairs. A pair where a comparator measured nothing tells
    nothing of how its weight moves with the others'. None when no pair has weight."""
    if not len(sample.levels):
        return None
    q = np.clip(p, 0.0, 1.0)
    if q.sum() <= 0:
        return None
    seen = (sample.levels >= 0).astype(np.float64)
    xs = _weights(model, sample) * seen
    both = (seen * q[:, None]).T @ seen  # posterior weight where i and j are both measured
    safe = np.where(both > 0, both, 1.0)
    mean = ((xs * q[:, None]).T @ seen) / safe  # (i, j): mean of i where both measured
    square = ((xs * xs * q[:, None]).T @ seen) / safe
    cross = ((xs * q[:, None]).T @ xs) / safe
    cov = cross - mean * mean.T
    var = np.clip(square - mean * mean, 0.0, None)  # (i, j): spread of i where both measured
    n_eff = both**2 / np.maximum((seen * (q * q)[:, None]).T @ seen, 1e-300)
    return cov, var, n_eff


def with_scales(model: LinkageModel, scales: Mapping[str, float]) -> LinkageModel:
    """The model with each named comparator's weights counted at its scale."""
    return replace(model, comparators=tuple(
        replace(s, scale=scales[s.name]) if s.name in scales else s for s in model.comparators))


def matching_scale(target: float, t: np.ndarray, sample: PairSample, prior_weight: float,
                   low: float = 0.25, high: float = 4.0) -> float:
    """The evidence scale (``Calibration.scale``) at which the discounted model's posteriors
    sum to ``target`` — the number of mirrors the fit expected before the discount
    (bisection; clamped to ``low`` .. ``high``). Discounting shared facts lowers every
    posterior with them, true mirrors' too: without this the model would expect far fewer
    mirrors than its own fit found, and its review threshold would flag almost none."""
    if not len(t) or target <= 0:
        return 1.0

    def expected(g: float) -> float:
        return float(exclusive_posteriors(t, sample, Calibration("exclusive", scale=g),
                                          prior_weight).sum())

    if expected(high) <= target:
        return high
    if expected(low) >= target:
        return low
    for _ in range(20):  # to about 4e-6 of the range: the scale is kept to 4 decimals
        mid = (low + high) / 2.0
        low, high = (mid, high) if expected(mid) < target else (low, mid)
    return (low + high) / 2.0
