"""The self-fit's review threshold: the lowest probability of the best candidate at which,
by the model's own posteriors, enough of the flagged are right (with a stated confidence,
the exact Poisson-binomial tail) and few enough non-mirrors are flagged."""

from __future__ import annotations

import numpy as np


def precision_probability(p_sorted: np.ndarray, min_precision: float, floor: float = 0.0
                          ) -> np.ndarray:
    """For each k, the probability that at least ``min_precision`` of the first k accounts
    flagged are right, were each right with its posterior (``p_sorted``, best first): the
    upper tail of the Poisson-binomial distribution of the number right, kept exactly by
    adding one account at a time. Exact where a normal or Wilson approximation is not: one
    account flagged at 0.99 is right with probability 0.99, whatever few it is among. Only
    accounts at or above ``floor`` are followed (below, nothing is flagged): 0 after them."""
    out = np.zeros(len(p_sorted))
    dist = np.ones(1)  # dist[j]: probability that j of those so far are right
    for k, p in enumerate(p_sorted.tolist()):
        if p < floor:
            break
        grown = np.zeros(len(dist) + 1)
        grown[:-1] += dist * (1.0 - p)
        grown[1:] += dist * p
        dist = grown
        need = int(np.ceil(min_precision * (k + 1) - 1e-9))
        out[k] = dist[need:].sum()
    return out


def expected_review_threshold(
    p_top: np.ndarray, p_any: np.ndarray, min_precision: float, max_flag_rate: float,
    floor: float = 0.5, confidence: float = 0.5,
) -> tuple[float, float, float]:
    """The lowest probability ``s`` of the best candidate at which the flagged accounts
    (best candidate ≥ s) are expected right at least ``min_precision`` of the time (mean of
    their p_top) and at most ``max_flag_rate`` of the expected non-mirrors are flagged
    (Σ (1 - P(a mirror at all)) over the flagged, over that sum over all); never below
    ``floor``. With ``confidence`` above 0.5, at least ``min_precision`` of the flagged must
    be right with that probability (:func:`precision_probability`), not only on average: a
    mean over a few dozen posteriors near the goal is met by luck as often as not. The
    threshold lies halfway between the last account flagged and the next. Returns
    (threshold, expected precision, expected flag rate) there."""
    order = np.argsort(-p_top, kind="stable")
    pt, pa = p_top[order], np.clip(p_any[order], 0.0, 1.0)
    negatives = max(float((1.0 - pa).sum()), 1e-9)
    precision = np.cumsum(pt) / np.arange(1, len(pt) + 1)
    flag_rate = np.cumsum(1.0 - pa) / negatives
    sure = (precision >= min_precision if confidence <= 0.5
            else precision_probability(pt, min_precision, floor) >= confidence)
    ok = sure & (flag_rate <= max_flag_rate) & (pt >= floor)
    # thresholds are the distinct values; a tie must be flagged (or not) as a whole
    last = np.r_[pt[1:] != pt[:-1], True] if len(pt) else np.zeros(0, dtype=bool)
    good = np.flatnonzero(ok & last)
    if not len(good):
        return 1.0, 1.0, 0.0
    k = int(good[-1])
    # halfway to the next account down: the posteriors at linking differ from those of the
    # fit in the last digits (rivals are counted over the whole input), and an account at
    # the chosen value must stay flagged
    below = float(pt[k + 1]) if k + 1 < len(pt) else floor
    thr = max(floor, (float(pt[k]) + below) / 2.0)
    return thr, float(precision[k]), float(flag_rate[k])
