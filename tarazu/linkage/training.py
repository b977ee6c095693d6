"""Estimating the model: m/u from labelled pairs or by EM without labels; calibration; the
review threshold. Truth enters only as an argument (a mapping of active id -> removed id or
None) for the accounts one is allowed to learn from (a dev split, reviewer decisions)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy import stats

from tarazu.linkage.calibration import (
    LOGISTIC_FEATURES,
    Reliability,
    fit_calibration,
    reliability,
)
from tarazu.linkage.comparators import SECOND_PASS
from tarazu.linkage.linker import MirrorLinker
from tarazu.linkage.model import (
    ComparatorSpec,
    LinkageModel,
    Thresholds,
    weight_matrix,
    weights_of,
)
from tarazu.linkage.profile import AccountProfile
from tarazu.linkage.text import stable_hash

EPS = 1e-6


@dataclass(frozen=True)
class PairTable:
    """Comparison levels of (active, candidate) pairs, with labels where known."""

    names: tuple[str, ...]
    levels: np.ndarray  # (pairs × comparators) int16, -1 = missing
    labels: np.ndarray  # 1 match, 0 non-match
    blocked: np.ndarray  # True if blocking proposed the pair (False: true pair added for m)
    active_ids: tuple[str, ...]
    removed_ids: tuple[str, ...]
    #: raw values (bits; NaN = no rival) of the second-pass leads, for logistic calibration
    extras: Mapping[str, np.ndarray] = field(default_factory=dict)


def pair_table(
    linker: MirrorLinker, actives: Sequence[AccountProfile], truth: Mapping[str, str | None]
) -> PairTable:
    """Compare each labelled active account with its blocked candidates (plus its true removed
    account when blocking missed it, so that m sees every match)."""
    levels, labels, blocked, a_ids, r_ids = [], [], [], [], []
    names = tuple(s.name for s in linker.model.comparators)
    extra_names = [n for n in LOGISTIC_FEATURES if n in names]
    extras: dict[str, list[float]] = {n: [] for n in extra_names}
    for p in actives:
        if p.account_id not in truth:
            continue
        true = truth[p.account_id]
        cands = linker.candidates(p)
        ids = {c.account_id for c in cands}
        extra = bool(true and true not in ids and true in linker.removed)
        if extra:
            cands = [*cands, linker.removed[true]]  # type: ignore[index]
        if not cands:
            continue
        comps = linker.comparisons(p, cands)
        lv = comps.levels()
        for n in extra_names:
            col = comps.results[names.index(n)]
            extras[n].extend(np.nan if r.raw is None else r.raw for r in col)
        for i, c in enumerate(cands):
            levels.append(lv[i])
            labels.append(int(c.account_id == true))
            blocked.append(not (extra and i == len(cands) - 1))
            a_ids.append(p.account_id)
            r_ids.append(c.account_id)
    arr = np.array(levels, dtype=np.int16).reshape(-1, len(names))
    return PairTable(
        names,
        arr,
        np.array(labels, dtype=np.int8),
        np.array(blocked, dtype=bool),
        tuple(a_ids),
        tuple(r_ids),
        {n: np.array(v, dtype=float) for n, v in extras.items()},
    )


def _refit(
    model: LinkageModel,
    m_counts: dict[str, np.ndarray],
    u_counts: dict[str, np.ndarray],
    source: str,
    strength: float,
) -> tuple[ComparatorSpec, ...]:
    """m and u as counts shrunk towards the current (expert) values. The pseudo-counts are
    ``strength`` pairs for m and the same *share* of pairs for u, so that a level seen in
    neither keeps its expert weight instead of a weight made of the two sample sizes."""
    specs = []
    for s in model.comparators:
        mc, uc = m_counts[s.name], u_counts[s.name]
        n_m, n_u = mc.sum(), uc.sum()
        if n_m < 1 or n_u < 1:  # never observed: keep the expert values
            specs.append(replace(s, levels=tuple(replace(lv, m_related=None)
                                                 for lv in s.levels)))
            continue
        m0 = np.array([lv.m for lv in s.levels])
        u0 = np.array([lv.u for lv in s.levels])
        a_m, a_u = strength, strength * n_u / n_m
        m = (mc + a_m * m0) / (n_m + a_m)
        u = (uc + a_u * u0) / (n_u + a_u)
        levels = [
            replace(
                lv,
                m=float(m[j]),
                u=float(u[j]),
                source=source,
                count_match=int(round(mc[j])),
                count_nonmatch=int(round(uc[j])),
                m_related=None,
            )
            for j, lv in enumerate(s.levels)
        ]
        specs.append(replace(s, levels=tuple(levels)))
    return tuple(specs)


def _counts(table: PairTable, model: LinkageModel, weights: np.ndarray) -> dict[str, np.ndarray]:
    out = {}
    for j, name in enumerate(table.names):
        k = len(model.spec(name).levels)
        col = table.levels[:, j]
        ok = col >= 0
        out[name] = np.bincount(col[ok], weights=weights[ok], minlength=k).astype(float)
    return out


def fit_labelled(model: LinkageModel, table: PairTable, smoothing: float = 2.0) -> LinkageModel:
    """m from the true pairs, u from the blocked non-matching pairs, λ from the blocked pairs.
    A self-fit's related class (``linkage.related``) is dropped: with labels, an operator's
    other accounts are labelled non-matches among the blocked pairs, so u already holds what
    they share, and the related class would count it again."""
    is_m = table.labels == 1
    is_u = (table.labels == 0) & table.blocked
    m_counts = _counts(table, model, is_m.astype(float))
    u_counts = _counts(table, model, is_u.astype(float))
    blocked = table.blocked
    prior = float(np.clip(table.labels[blocked].mean() if blocked.any() else model.prior, EPS, 0.5))
    return replace(
        model, comparators=_refit(model, m_counts, u_counts, "labelled", smoothing), prior=prior,
        related_prior=None, related_scale=None,
    )


def totals(model: LinkageModel, table: PairTable) -> np.ndarray:
    """Each pair's total: prior and level weights (the two-class evidence that ranks)."""
    return model.prior_weight + weights_of(weight_matrix(model.weight_table(), table.names),
                                           table.levels)


def subset(table: PairTable, mask: np.ndarray) -> PairTable:
    idx = np.flatnonzero(mask)
    return PairTable(
        table.names,
        table.levels[idx],
        table.labels[idx],
        table.blocked[idx],
        tuple(table.active_ids[i] for i in idx),
        tuple(table.removed_ids[i] for i in idx),
        {k: v[idx] for k, v in table.extras.items()},
    )


def out_of_fold(
    base: LinkageModel, table: PairTable, calibration: str, folds: int = 5
) -> tuple[np.ndarray, np.ndarray]:
    """Totals and probabilities of every pair from m/u and calibration fitted without its
    active account's fold (folds by a stable hash of the active id)."""
    fold = np.array([stable_hash(a) % folds for a in table.active_ids])
    t = np.zeros(len(fold))
    p = np.zeros(len(fold))
    for k in range(folds):
        held = fold == k
        if not held.any():
            continue
        train = subset(table, ~held)
        if train.labels.sum() == 0:  # nothing to learn m from: fall back to in-sample
            train = table
        m, _ = calibrate(fit_labelled(base, train), train, calibration)
        test = subset(table, held)
        t[held] = totals(m, test)
        p[held] = np.asarray(m.calibration.probability(t[held], test.extras))
    return t, p


@dataclass(frozen=True)
class FitReport:
    pairs: int
    matches: int
    dev_reliability: Reliability
    review_threshold: float
    #: False when the labels supported no threshold and the fallback was used
    threshold_supported: bool = True
    details: Mapping[str, Any] = field(default_factory=dict)


def calibrate(
    model: LinkageModel, table: PairTable, method: str = "isotonic"
) -> tuple[LinkageModel, Reliability]:
    mask = table.blocked
    t = totals(model, table)[mask]
    y = table.labels[mask]
    extras = {k: v[mask] for k, v in table.extras.items()}
    cal = fit_calibration(t, y, method, extras=extras)
    probs = np.asarray(cal.probability(t, extras))
    return replace(model, calibration=cal), reliability(probs, y)


def proportion_bounds(successes: int, trials: int, confidence: float) -> tuple[float, float]:
    """One-sided Wilson bounds of a proportion: with probability ``confidence`` the true
    proportion is at least the first value (and, separately, at most the second).

    A threshold chosen where a dev split's *point* precision reaches a goal is chosen on
    luck as often as not: 23 right of 25 flagged reads as 0.92, yet its one-sided 90 % lower
    bound is 0.82 (95 %: 0.78).
    Asking the bound to reach the goal instead makes a small split pick a safer threshold
    and a large one nearly the point estimate."""
    if trials == 0:
        return 0.0, 1.0
    if confidence <= 0.5:
        p = successes / trials
        return p, p
    ci = stats.binomtest(successes, trials).proportion_ci(
        confidence_level=2 * confidence - 1, method="wilson"
    )
    return float(ci.low), float(ci.high)


def choose_review_threshold(
    top: Mapping[str, tuple[str, float] | None],
    truth: Mapping[str, str | None],
    min_precision: float,
    max_flag_rate: float,
    confidence: float = 0.5,
) -> float | None:
    """Lowest threshold on the top candidate's probability whose flags reach the precision and
    stay under the share of non-mirrors flagged (the most recall the constraints allow).

    With ``confidence`` above 0.5 both constraints must hold for the one-sided Wilson bound
    at that confidence (:func:`proportion_bounds`), not just for the point estimate. None when
    no threshold meets them (too few labels to show the precision): the caller decides."""
    rows = [
        (s, truth[a] is not None and r == truth[a], truth[a] is None)
        for a, v in top.items()
        if v is not None and a in truth
        for r, s in [v]
    ]
    n_neg = sum(1 for a in truth if truth[a] is None)
    best = None
    for thr in sorted({round(s, 4) for s, _, _ in rows}, reverse=True):
        flagged = [(ok, neg) for s, ok, neg in rows if s >= thr]
        tp = sum(ok for ok, _ in flagged)
        prec_low, _ = proportion_bounds(tp, len(flagged), confidence)
        # no non-mirror among the labels: nothing can be flagged wrongly
        _, fpr_high = (
            proportion_bounds(sum(neg for _, neg in flagged), n_neg, confidence)
            if n_neg
            else (0.0, 0.0)
        )
        if prec_low >= min_precision and fpr_high <= max_flag_rate:
            best = float(thr)
    return best


def fit_model(
    linker: MirrorLinker,
    actives: Sequence[AccountProfile],
    truth: Mapping[str, str | None],
    calibration: str = "isotonic",
    min_precision: float = 0.9,
    max_flag_rate: float = 0.05,
    meta: Mapping[str, Any] | None = None,
    all_actives: Sequence[AccountProfile] | None = None,
    folds: int = 5,
    confidence: float = 0.5,
    fallback_threshold: float = 0.99,
) -> tuple[LinkageModel, FitReport]:
    """Fit m/u from the labels (the EM without labels is in :mod:`tarazu.linkage.selffit`),
    calibrate and pick the review threshold on the given actives
    (all of which must be allowed for training). The linker must already hold the removed
    accounts (``linker.load``). ``all_actives`` (no labels needed) are the new accounts of the
    whole input, over which the reciprocal rank is computed as it will be at inference.
    With labelled fitting the review threshold is chosen on out-of-fold probabilities
    (``folds`` folds by active account), and must meet its constraints with ``confidence``
    (0.5: the point estimate; see :func:`choose_review_threshold`); when the labels support
    no threshold, ``fallback_threshold`` is used and ``review_rule.supported`` is false."""

    def fit(lk: MirrorLinker) -> tuple[LinkageModel, PairTable]:
        table = pair_table(lk, actives, truth)
        return fit_labelled(lk.model, table), table

    fitted, table = fit(linker)
    base = linker.model
    if {c.NAME for c in SECOND_PASS} & {s.name for s in fitted.comparators}:
        # second-pass signals rank first-pass totals, so they need the fitted first pass
        second = MirrorLinker(fitted, linker.config)
        second.corpus, second.blocker, second.removed, second.columns = (
            linker.corpus,
            linker.blocker,
            linker.removed,
            linker.columns,
        )
        second.record(all_actives if all_actives is not None else actives)
        base = second.model
        fitted, table = fit(second)
    fitted, rel = calibrate(fitted, table, calibration)
    # the top candidate per active, for the threshold: out of fold where labels allow, so
    # that the threshold is chosen on probabilities as over-confident as new data will get
    t, probs = out_of_fold(base, table, calibration, folds)
    top: dict[str, tuple[str, float]] = {}
    best: dict[str, tuple[float, float]] = {}
    for a, r, tt, pp, b in zip(
        table.active_ids, table.removed_ids, t, probs, table.blocked, strict=True
    ):
        key = (float(pp), float(tt))  # the linker's order: probability, then total
        if b and (a not in best or key > best[a]):
            best[a], top[a] = key, (r, float(pp))
    found = choose_review_threshold(
        top,
        {a: truth[a] for a in {p.account_id for p in actives} if a in truth},
        min_precision,
        max_flag_rate,
        confidence,
    )
    thr = fallback_threshold if found is None else found
    auto = max(fitted.thresholds.auto_action, thr)
    fitted = replace(
        fitted,
        thresholds=Thresholds(review=thr, auto_action=auto),
        meta={
            **dict(meta or {}),
            "method": "labelled",
            "calibration": calibration,
            "pairs": int(table.blocked.sum()),
            "matches": int(table.labels.sum()),
            "dev_ece": rel.ece,
            "dev_brier": rel.brier,
            "review_rule": {
                "min_precision": min_precision,
                "max_flag_rate": max_flag_rate,
                "confidence": confidence,
                "supported": found is not None,
            },
        },
    )
    report = FitReport(int(table.blocked.sum()), int(table.labels.sum()), rel, thr,
                       threshold_supported=found is not None)
    return fitted, report
